/**
 * Recognises the DynamoDB errors a caller can cure by retrying, by the shape the SDK throws them
 * (`name`, `CancellationReasons`). No SDK import: shared/http/problem.ts uses this, and the
 * platform function must not bundle the DynamoDB client for it.
 *
 * - Concurrent modification: a transaction collided with another one on the same item
 *   (TransactionCanceledException with a `TransactionConflict` reason), or a plain write hit an
 *   item a transaction was changing (TransactionConflictException). DynamoDB Local serialises
 *   requests, so this is only ever seen on the real service.
 * - Throttling: the table or the account is over its capacity. The SDK has already retried with
 *   back-off by the time the error reaches us, so the caller should come back a little later.
 */
export type RetryableDatabaseError = 'concurrent_modification' | 'throttled';

const throttlingErrors = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const throttlingReasons = new Set(['ProvisionedThroughputExceeded', 'ThrottlingError']);

export function retryableDatabaseError(error: unknown): RetryableDatabaseError | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  if (name === 'TransactionConflictException') return 'concurrent_modification';
  if (typeof name === 'string' && throttlingErrors.has(name)) return 'throttled';
  if (name === 'TransactionCanceledException') {
    const codes = cancellationCodes(error);
    // A failed condition is the service's business (it maps it to its own conflict); only a
    // cancellation caused by another writer or by capacity is retryable as such.
    if (codes.includes('ConditionalCheckFailed')) return undefined;
    if (codes.includes('TransactionConflict')) return 'concurrent_modification';
    if (codes.some((code) => throttlingReasons.has(code))) return 'throttled';
  }
  return undefined;
}

/** The reason code of each item of a cancelled transaction, in request order (`None` if fine). */
export function cancellationCodes(error: unknown): string[] {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] } | null | undefined)?.CancellationReasons;
  return Array.isArray(reasons) ? reasons.map((reason) => reason?.Code ?? 'None') : [];
}
