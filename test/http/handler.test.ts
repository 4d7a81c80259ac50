import { ThrottlingException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createHttpHandler } from '#shared/http/handler';
import { platformContract } from '#shared/platform/contract';
import { lambdaContext, toEvent } from '../../scripts/local/http-adapter';

describe('createHttpHandler', () => {
  it('refuses a function whose implementation misses a route of the route table', () => {
    const incomplete = { health: async () => ({}), openapi: async () => ({}) } as never;

    expect(() => createHttpHandler('platform', platformContract, incomplete)).toThrow(
      /docs of platform has no implementation/,
    );
  });

  it('refuses an operation that is not in the route table', () => {
    const extra = {
      health: async () => ({}),
      openapi: async () => ({}),
      docs: async () => ({}),
      secret: async () => ({}),
    } as never;

    expect(() => createHttpHandler('platform', platformContract, extra)).toThrow(
      /secret of platform are not in the route table/,
    );
  });
});

describe('createHttpHandler for a function with staff routes', () => {
  it('refuses to build without an authentication step', async () => {
    const { patientsContract } = await import('#shared/patients/contract');

    expect(() => createHttpHandler('patients', patientsContract, {} as never)).toThrow(/pass an authenticate function/);
  });
});

describe('a route whose DynamoDB write is refused for a retryable reason', () => {
  /** The platform function with /health failing as the SDK fails on the real service. */
  const failingWith = (error: Error) =>
    createHttpHandler('platform', platformContract, {
      health: async () => {
        throw error;
      },
      openapi: async () => ({}),
      docs: async () => ({}),
    });
  const get = (handler: ReturnType<typeof failingWith>) => {
    const { event } = toEvent({ method: 'GET', url: '/health', headers: {}, body: Buffer.alloc(0), sourceIp: '::1' });
    return handler(event, lambdaContext('platform', event.requestContext.requestId));
  };
  const $metadata = { httpStatusCode: 400, requestId: 'R3QU35T', attempts: 1, totalRetryDelay: 0 };

  it('answers 409 concurrent_modification, not 500, when a concurrent transaction cancelled it', async () => {
    const handler = failingWith(
      new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
        $metadata,
        CancellationReasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
      }),
    );

    const res = await get(handler);

    expect(res.statusCode).toBe(409);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ status: 409, code: 'concurrent_modification' });
  });

  it('answers 503 service_busy with Retry-After when DynamoDB still throttles after the SDK retries', async () => {
    const handler = failingWith(new ThrottlingException({ message: 'Throughput exceeds the limit', $metadata }));

    const res = await get(handler);

    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '2' });
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ status: 503, code: 'service_busy' });
  });

  it('still answers an opaque 500 for anything else', async () => {
    const handler = failingWith(new Error('secret detail'));

    const res = await get(handler);

    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret detail');
  });
});
