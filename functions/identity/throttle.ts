import { createHash } from 'node:crypto';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import type { Item, TransactItem } from '#shared/db/table';
import { batchGet, conditionFailureItem, isConditionalCheckFailure, updateItem } from '#shared/db/table';
import { DomainError } from '#shared/errors';
import { credentialOf } from './repository';

/**
 * Sign-in throttling (P4), per account and per client:
 * - account: every attempt to prove a secret of the account (password, TOTP code, password given
 *   to accept an invitation) is counted atomically BEFORE the secret is checked, and only a
 *   completed sign-in clears the count. After MAX_ACCOUNT_ATTEMPTS uncleared attempts the account
 *   is locked for LOCK_MS from the last one; the conditional write refuses attempts while locked,
 *   so neither a new attempt, the right password, nor a burst of parallel attempts (each one is a
 *   conditional increment: at most MAX_ACCOUNT_ATTEMPTS pass) resets or gets through the lock.
 *   Once past the threshold, each attempt after a lock period relocks on failure (one try per
 *   lock period). A right password alone does not clear the count (the TOTP step must follow), so
 *   knowing the password does not give unlimited TOTP guesses.
 * - client (source IP): at most MAX_CLIENT_FAILURES failed attempts (any account, known or not)
 *   per fixed 15-minute window. Successful sign-ins do not count: a whole practice signing in at
 *   8:00 from one public IP must not lock itself out.
 */
export const MAX_ACCOUNT_ATTEMPTS = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const MAX_CLIENT_FAILURES = 30;
export const CLIENT_WINDOW_MS = 15 * 60 * 1000;

/**
 * Sign-up (P1) asks no secret but costs a password hash and an e-mail: at most
 * MAX_SIGN_UPS_PER_CLIENT requests per client address and window, known addresses or not, and at
 * most MAX_SIGN_UP_EMAILS_PER_ADDRESS e-mails to one address per window (past it, the request is
 * answered the same and nothing is sent), so nobody can flood an inbox through us.
 */
export const MAX_SIGN_UPS_PER_CLIENT = 10;
export const MAX_SIGN_UP_EMAILS_PER_ADDRESS = 3;

const hash = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 32);

/** The fixed 15-minute window an instant falls in (client failures, sign-up quotas). */
const windowOf = (now: number) => {
  const start = Math.floor(now / CLIENT_WINDOW_MS) * CLIENT_WINDOW_MS;
  return { start: new Date(start).toISOString(), end: start + CLIENT_WINDOW_MS };
};

export function throttleKeys(email: string, sourceIp: string, now = Date.now()) {
  const window = windowOf(now);
  return {
    account: keys.throttleAccount(hash(email)),
    client: keys.throttleClient(hash(sourceIp), window.start),
    windowEnd: window.end,
  };
}

export type ThrottleKeys = ReturnType<typeof throttleKeys>;

/** Refuses the attempt (429) when the client is over its limit of failures in this window. */
export function assertClientNotThrottled(client: Item | undefined, tk: ThrottleKeys, now = Date.now()) {
  if (Number(client?.failures ?? 0) >= MAX_CLIENT_FAILURES) {
    throw new DomainError(
      'too_many_requests',
      'too_many_attempts',
      'Too many sign-in attempts from this client; try again later',
      { retryAfterSeconds: Math.max(1, Math.ceil((tk.windowEnd - now) / 1000)) },
    );
  }
}

/**
 * Counts one attempt against the account, or refuses it (429) while the account is locked. Call it
 * before checking the secret.
 */
export async function takeAccountAttempt(tk: ThrottleKeys, now = Date.now()) {
  try {
    await updateItem({
      Key: tk.account,
      UpdateExpression: 'ADD attempts :one SET lastAttemptAt = :now, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :max OR lastAttemptAt <= :lockedSince',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':now': now,
        ':max': MAX_ACCOUNT_ATTEMPTS,
        ':lockedSince': now - LOCK_MS,
        ':ttl': Math.ceil((now + 24 * 3600 * 1000) / 1000),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const lastAttemptAt = Number(conditionFailureItem(error)?.lastAttemptAt ?? now);
    throw new DomainError(
      'too_many_requests',
      'account_locked',
      'This account is temporarily locked after repeated failures',
      { retryAfterSeconds: Math.max(1, Math.ceil((lastAttemptAt + LOCK_MS - now) / 1000)) },
    );
  }
}

/** A failed password or code: counts against the client (the account attempt is already counted). */
export async function recordClientFailure(tk: ThrottleKeys) {
  await updateItem({
    Key: tk.client,
    UpdateExpression: 'ADD failures :one SET #ttl = :ttl',
    ExpressionAttributeNames: { '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':one': 1, ':ttl': Math.ceil(tk.windowEnd / 1000) + 3600 },
  });
}

/** Part of the successful sign-in transaction: clears the account's attempt count. */
export function resetAccountAttempts(tk: ThrottleKeys): TransactItem {
  return { Delete: { TableName: tableName, Key: tk.account } };
}

/**
 * Before any secret of an account is checked: the client's failure count (read with the credential
 * in one round trip), then one attempt taken atomically on the account (refused while it is locked).
 * Returns the account's credential, if there is one.
 */
export async function checkThrottles(tk: ThrottleKeys, email: string, options = { unknownAccountsToo: true }) {
  const credentialKey = keys.credential(email);
  const items = await batchGet([tk.client, credentialKey]);
  const find = (key: { pk: string; sk: string }) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
  assertClientNotThrottled(find(tk.client), tk);
  const credential = credentialOf(find(credentialKey));
  // Sign-in counts attempts on unknown e-mails too, so that they answer exactly like known ones.
  if (credential || options.unknownAccountsToo) await takeAccountAttempt(tk);
  return credential;
}

/**
 * Takes one request of a subject's quota for this window, atomically (a conditional increment: a
 * parallel burst gets exactly `max` through). False once the quota is spent; nothing is written then.
 */
async function takeQuota(scope: string, subject: string, max: number, now: number) {
  const window = windowOf(now);
  try {
    await updateItem({
      Key: keys.throttleQuota(scope, hash(subject), window.start),
      UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
      ExpressionAttributeNames: { '#count': 'requests', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':max': max, ':ttl': Math.ceil(window.end / 1000) + 3600 },
    });
    return { allowed: true, retryAfterSeconds: 0 };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.end - now) / 1000)) };
  }
}

/**
 * Admits a sign-up request from a client (429 past its quota, whatever the address) and says
 * whether the address may be sent another e-mail in this window.
 */
export async function admitSignUp(email: string, sourceIp: string, now = Date.now()) {
  const client = await takeQuota('sign-up-client', sourceIp, MAX_SIGN_UPS_PER_CLIENT, now);
  if (!client.allowed) {
    throw new DomainError(
      'too_many_requests',
      'too_many_attempts',
      'Too many sign-ups from this client; try again later',
      {
        retryAfterSeconds: client.retryAfterSeconds,
      },
    );
  }
  const address = await takeQuota('sign-up-address', email, MAX_SIGN_UP_EMAILS_PER_ADDRESS, now);
  return { mayEmail: address.allowed };
}
