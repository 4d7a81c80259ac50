import { createHash } from 'node:crypto';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import type { Item, TransactItem } from '#shared/db/table';
import { updateItem } from '#shared/db/table';
import { DomainError } from '#shared/errors';

/**
 * Sign-in throttling (P4), per account and per client:
 * - account: after MAX_ACCOUNT_FAILURES wrong passwords or codes the account is locked for
 *   LOCK_MS from the last failure. While locked every attempt is refused before the password is
 *   even checked, so neither a new attempt nor the right password resets or shortens the lock.
 *   Only a successful sign-in after the lock clears the failure count; once past the threshold,
 *   each further failure locks again (one try per lock period).
 * - client (source IP): at most MAX_CLIENT_FAILURES failed attempts (any account, known or not)
 *   per fixed 15-minute window. Successful sign-ins do not count: a whole practice signing in at
 *   8:00 from one public IP must not lock itself out.
 */
export const MAX_ACCOUNT_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const MAX_CLIENT_FAILURES = 30;
export const CLIENT_WINDOW_MS = 15 * 60 * 1000;

const hash = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 32);

export function throttleKeys(email: string, sourceIp: string, now = Date.now()) {
  const windowStart = new Date(Math.floor(now / CLIENT_WINDOW_MS) * CLIENT_WINDOW_MS).toISOString();
  return {
    account: keys.throttleAccount(hash(email)),
    client: keys.throttleClient(hash(sourceIp), windowStart),
    windowEnd: Math.floor(now / CLIENT_WINDOW_MS) * CLIENT_WINDOW_MS + CLIENT_WINDOW_MS,
  };
}

export type ThrottleKeys = ReturnType<typeof throttleKeys>;

/** Refuses the attempt (429) when the client or the account is over its limit. */
export function assertNotThrottled(
  account: Item | undefined,
  client: Item | undefined,
  tk: ThrottleKeys,
  now = Date.now(),
) {
  if (Number(client?.failures ?? 0) >= MAX_CLIENT_FAILURES) {
    throw new DomainError(
      'too_many_requests',
      'too_many_attempts',
      'Too many sign-in attempts from this client; try again later',
      {
        retryAfterSeconds: Math.max(1, Math.ceil((tk.windowEnd - now) / 1000)),
      },
    );
  }
  const failures = Number(account?.failures ?? 0);
  const lastFailureAt = Number(account?.lastFailureAt ?? 0);
  if (failures >= MAX_ACCOUNT_FAILURES && now < lastFailureAt + LOCK_MS) {
    throw new DomainError(
      'too_many_requests',
      'account_locked',
      'This account is temporarily locked after repeated failures',
      {
        retryAfterSeconds: Math.ceil((lastFailureAt + LOCK_MS - now) / 1000),
      },
    );
  }
}

/** A failed password or code: counts against the account and the client. */
export async function recordFailure(tk: ThrottleKeys, now = Date.now()) {
  await Promise.all([
    updateItem({
      Key: tk.client,
      UpdateExpression: 'ADD failures :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': Math.ceil(tk.windowEnd / 1000) + 3600 },
    }),
    updateItem({
      Key: tk.account,
      UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': Math.ceil((now + 24 * 3600 * 1000) / 1000) },
    }),
  ]);
}

/** Part of the successful sign-in transaction: clears the failure count. */
export function resetAccountFailures(tk: ThrottleKeys): TransactItem {
  return { Delete: { TableName: tableName, Key: tk.account } };
}
