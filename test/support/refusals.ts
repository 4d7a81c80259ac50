import type { OperationSpec } from '#shared/http/operation';
import { itemId, type SnapshotDiff } from './table';

type Item = Record<string, unknown>;
const auditEvents = (item: Item) => item.entity === 'AuditEvent' || String(item.pk).includes('#AUDIT#');
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
  // A series booked or moved in several transactions, whose later part finds its time taken, is
  // taken back whole; the attempt and its undo stay in the audit trail (decision 0018).
  createAppointment: { codes: ['slot_taken', 'concurrent_modification'], mayWrite: auditEvents },
  moveAppointment: { codes: ['slot_taken', 'concurrent_modification', 'version_conflict'], mayWrite: auditEvents },
};

/**
 * Whether a refusal of this route may write at all: only those need the table compared item by
 * item; for every other route a refusal must have had no write request succeed (counted by the SDK
 * middleware), which is what an unchanged table comes to, without scanning it twice per request.
 */
export const refusalMayWrite = (route: OperationSpec) => route.operationId in refusalsThatWrite;

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
