import type { OperationSpec } from '#shared/http/operation';
import { itemId, type SnapshotDiff } from './table';

type Item = Record<string, unknown>;
const signInTraces = (item: Item) =>
  String(item.pk).startsWith('THROTTLE#') ||
  (String(item.pk).startsWith('USER#') && String(item.sk).startsWith('SIGNIN#'));

/**
 * The only refusals that write, and all they may write: a wrong password or TOTP code counts
 * against the account and the client (THROTTLE# items, P4) and is recorded in the user's sign-in
 * history (USER#…/SIGNIN#…). They add or update those items and delete nothing. A password
 * checked for a centre the person may not enter (not a member, or several centres and none
 * chosen) was an attempt too: only a completed sign-in clears the count (decision 0004).
 */
const refusalsThatWrite: Partial<Record<string, { codes: string[]; mayWrite: (item: Item) => boolean }>> = {
  signIn: {
    codes: ['invalid_credentials', 'membership_not_found', 'centre_choice_required'],
    mayWrite: signInTraces,
  },
  verifyMfa: { codes: ['invalid_code'], mayWrite: signInTraces },
};

/** What a refusal wrote beyond its allowance (nothing, for all but `refusalsThatWrite`). */
export function unexpectedWrites(route: OperationSpec, problemCode: unknown, diff: SnapshotDiff) {
  const allowance = refusalsThatWrite[route.operationId];
  const allowed = allowance?.codes.includes(String(problemCode)) ? allowance.mayWrite : () => false;
  return {
    added: diff.added.filter((item) => !allowed(item)).map(itemId),
    changed: diff.changed.filter((c) => !allowed(c.after)).map((c) => itemId(c.after)),
    removed: diff.removed.map(itemId),
  };
}
