import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { conflict } from '#shared/errors';
import { errorToProblem } from '#shared/http/problem';

/**
 * Errors as the SDK throws them (its own exception classes: name, $fault, $metadata and, for a
 * cancelled transaction, CancellationReasons in request order). DynamoDB Local serialises
 * requests, so these never happen in the integration tests; on the real service they do.
 */
const $metadata = { httpStatusCode: 400, requestId: 'R3QU35T', attempts: 3, totalRetryDelay: 420 };

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata,
    CancellationReasons: codes.map((Code) => ({
      Code,
      ...(Code === 'None' ? {} : { Message: `${Code} message` }),
    })),
  });

function problemOf(error: unknown) {
  const response = errorToProblem(error, 'request-1', '/patients/01J');
  return response && { ...response, body: JSON.parse(response.body ?? '{}') };
}

describe('errorToProblem: DynamoDB errors a retry cures', () => {
  it('maps a transaction cancelled by a concurrent transaction to 409 concurrent_modification', () => {
    const error = cancelled('None', 'TransactionConflict');

    const problem = problemOf(error);

    expect(problem?.statusCode).toBe(409);
    expect(problem?.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(problem?.body).toMatchObject({
      status: 409,
      code: 'concurrent_modification',
      type: 'https://centrum.health/problems/concurrent_modification',
      requestId: 'request-1',
      instance: '/patients/01J',
    });
    expect(problem?.body.detail).toMatch(/retry/i);
  });

  it('maps a plain write that hit an item under transaction to 409 concurrent_modification', () => {
    const error = new TransactionConflictException({
      message: 'Transaction is ongoing for the item',
      $metadata,
    });

    const problem = problemOf(error);

    expect(problem?.statusCode).toBe(409);
    expect(problem?.body.code).toBe('concurrent_modification');
    expect(problem?.headers?.['retry-after']).toBe('1');
  });

  it.each([
    ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException({ message: 'x', $metadata })],
    ['ThrottlingException', new ThrottlingException({ message: 'Throughput exceeds the limit', $metadata })],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'Throughput exceeds the account limit', $metadata })],
    ['a transaction cancelled by throttling', cancelled('ThrottlingError', 'None')],
    ['a transaction cancelled by provisioned throughput', cancelled('None', 'ProvisionedThroughputExceeded')],
  ])('maps %s (after the SDK retried) to 503 service_busy with Retry-After', (_name, error) => {
    const problem = problemOf(error);

    expect(problem?.statusCode).toBe(503);
    expect(problem?.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '2' });
    expect(problem?.body).toMatchObject({ status: 503, title: 'Service Unavailable', code: 'service_busy' });
  });

  it('recognises the errors by shape, also as plain objects (another copy of the SDK)', () => {
    const error = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      $metadata,
      CancellationReasons: [{ Code: 'TransactionConflict' }],
    });

    expect(problemOf(error)?.statusCode).toBe(409);
  });
});

describe('errorToProblem: what stays as it was', () => {
  it('leaves a cancellation by a failed condition to the service (unmapped → opaque 500)', () => {
    const error = cancelled('ConditionalCheckFailed', 'TransactionConflict');

    expect(errorToProblem(error, 'request-1', '/x')).toBeUndefined();
  });

  it.each([
    [
      'a failed condition',
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata }),
    ],
    ['a cancellation for validation', cancelled('ValidationError')],
    ['a plain error', new Error('boom')],
    ['a non-error', 'boom'],
    ['nothing', undefined],
  ])('does not map %s (the handler answers an opaque 500)', (_what, error) => {
    expect(errorToProblem(error, 'request-1', '/x')).toBeUndefined();
  });

  it('still maps domain errors through the same table', () => {
    const problem = problemOf(conflict('version_conflict', 'stale'));

    expect(problem?.statusCode).toBe(409);
    expect(problem?.body.code).toBe('version_conflict');
    expect(problem?.headers?.['retry-after']).toBeUndefined();
  });
});
