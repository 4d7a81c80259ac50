import { ThrottlingException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { platformRoutes } from '#functions/platform/routes';
import { unauthenticated } from '#shared/errors';
import type { Origin } from '#shared/origin';
import { defineRoutes } from '#shared/http/operation';
import { type AuthRequest, createHttpHandler, type HttpEvent, MAX_BODY_BYTES } from '#shared/http/pipeline';
import { lambdaContext, toEvent } from '../../scripts/local/http-adapter';

/** An API Gateway v2 event for a route key, built by hand (these routes are not at the edge). */
function eventFor(routeKey: string, init: { headers?: Record<string, string>; body?: string; base64?: boolean } = {}) {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: init.base64 ?? false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.1', userAgent: 'tests' },
      requestId: 'req-1',
      routeKey,
    },
  } as unknown as HttpEvent;
}

const invoke = (handler: (e: HttpEvent, c: ReturnType<typeof lambdaContext>) => Promise<unknown>, event: HttpEvent) =>
  handler(event, lambdaContext('test', 'req-1')) as Promise<{
    statusCode: number;
    body?: string;
    headers: Record<string, string>;
  }>;

describe('building a handler', () => {
  it('refuses an implementation that misses a declared operation', () => {
    const incomplete = { health: async () => ({}), openapi: async () => ({}) } as never;

    expect(() => createHttpHandler(platformRoutes, {}, incomplete)).toThrow(/docs has no implementation/);
  });

  it('refuses an implementation of an operation that is not declared', () => {
    const extra = {
      health: async () => ({}),
      openapi: async () => ({}),
      docs: async () => '',
      secret: async () => ({}),
    };

    expect(() => createHttpHandler(platformRoutes, {}, extra as never)).toThrow(/secret are not declared/);
  });

  it.each(['staff', 'patient', 'webhook'] as const)('refuses a %s route without an authenticator for it', (auth) => {
    const routes = defineRoutes([
      { operationId: 'guarded', method: 'GET', path: '/guarded', auth, summary: 'Guarded', budget: {} },
    ]);

    expect(() => createHttpHandler(routes, {}, { guarded: async () => undefined } as never)).toThrow(
      new RegExp(`guarded is a ${auth} route: pass an authenticator for it`),
    );
  });
});

describe('principals of each authentication kind', () => {
  const routes = defineRoutes([
    {
      operationId: 'portalHome',
      method: 'GET',
      path: '/portal/home',
      auth: 'patient',
      summary: 'A patient route',
      budget: {},
      response: z.object({ patientId: z.string() }),
    },
    {
      operationId: 'staffHome',
      method: 'GET',
      path: '/staff/home',
      auth: 'staff',
      summary: 'A staff route',
      budget: {},
      response: z.object({ userId: z.string() }),
    },
  ]);
  const handler = createHttpHandler(
    routes,
    {
      authenticators: {
        patient: async (request: AuthRequest) => {
          if (request.headers.authorization !== 'Portal good') throw unauthenticated();
          return { patientId: 'P1' };
        },
        staff: async (request: AuthRequest) => {
          if (request.headers.authorization !== 'Bearer good') throw unauthenticated();
          return { userId: 'U1' };
        },
      },
    },
    {
      portalHome: async ({ principal }) => ({ patientId: principal.patientId }),
      staffHome: async ({ principal }) => ({ userId: principal.userId }),
    },
  );

  it('hands each operation the principal its route kind proved', async () => {
    const portal = await invoke(handler, eventFor('GET /portal/home', { headers: { authorization: 'Portal good' } }));
    const staff = await invoke(handler, eventFor('GET /staff/home', { headers: { authorization: 'Bearer good' } }));

    expect([portal.statusCode, JSON.parse(portal.body ?? '{}')]).toEqual([200, { patientId: 'P1' }]);
    expect([staff.statusCode, JSON.parse(staff.body ?? '{}')]).toEqual([200, { userId: 'U1' }]);
  });

  it("does not accept one kind's credentials on another kind's route", async () => {
    const res = await invoke(handler, eventFor('GET /portal/home', { headers: { authorization: 'Bearer good' } }));

    expect(res.statusCode).toBe(401);
  });
});

describe('a webhook route', () => {
  const secret = 'provider-shared-secret';
  const sign = async (body: Buffer) => {
    const { createHmac } = await import('node:crypto');
    return createHmac('sha256', secret).update(body).digest('hex');
  };
  const routes = defineRoutes([
    {
      operationId: 'providerNotification',
      method: 'POST',
      path: '/webhooks/provider',
      auth: 'webhook',
      summary: 'A provider notification',
      budget: {},
      body: z.object({ paymentId: z.string(), amountCents: z.number().int() }),
      successStatus: 204,
    },
  ]);
  const seenBodies: Buffer[] = [];
  const operation = vi.fn(async () => undefined);
  const handler = createHttpHandler(
    routes,
    {
      authenticators: {
        webhook: async (request: AuthRequest) => {
          const raw = request.rawBody() ?? Buffer.alloc(0);
          seenBodies.push(raw);
          const { timingSafeEqual } = await import('node:crypto');
          const expected = Buffer.from(await sign(raw));
          const given = Buffer.from(request.headers['x-centrum-signature'] ?? '');
          if (expected.length !== given.length || !timingSafeEqual(expected, given))
            throw unauthenticated('The signature does not match the body', 'invalid_signature');
          return { provider: 'test' };
        },
      },
    },
    { providerNotification: operation },
  );
  // The provider signs these exact bytes: key order and spacing a JSON re-serialisation would change.
  const original = Buffer.from('{"amountCents": 1250,  "paymentId":"pay_1"}');

  it('reaches its operation when the signature covers the exact raw body', async () => {
    const res = await invoke(
      handler,
      eventFor('POST /webhooks/provider', {
        headers: { 'content-type': 'application/json', 'x-centrum-signature': await sign(original) },
        body: original.toString('base64'),
        base64: true,
      }),
    );

    expect(res.statusCode).toBe(204);
    expect(seenBodies.at(-1)?.equals(original)).toBe(true);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('refuses a tampered body: the authenticator sees the changed bytes, the operation is never reached', async () => {
    operation.mockClear();
    const tampered = Buffer.from(original.toString('utf8').replace('1250', '9250'));

    const res = await invoke(
      handler,
      eventFor('POST /webhooks/provider', {
        headers: { 'content-type': 'application/json', 'x-centrum-signature': await sign(original) },
        body: tampered.toString('utf8'),
      }),
    );

    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body ?? '{}').code).toBe('invalid_signature');
    expect(seenBodies.at(-1)?.equals(tampered)).toBe(true);
    expect(operation).not.toHaveBeenCalled();
  });
});

describe('a route whose DynamoDB write is refused for a retryable reason', () => {
  /** The platform function with /health failing as the SDK fails on the real service. */
  const failingWith = (error: Error) =>
    createHttpHandler(
      platformRoutes,
      {},
      {
        health: async () => {
          throw error;
        },
        openapi: async () => ({}),
        docs: async () => '',
      },
    );
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

describe('text that is not well-formed Unicode, and sizes in bytes', () => {
  const routes = defineRoutes([
    {
      operationId: 'echo',
      method: 'POST',
      path: '/echo/{name}',
      auth: 'public',
      summary: 'Echo',
      budget: {},
      params: z.strictObject({ name: z.string() }),
      query: z.strictObject({ q: z.string().optional() }),
      body: z.object({
        text: z.string(),
        tags: z.array(z.string()).optional(),
        extra: z.record(z.string(), z.string()).optional(),
      }),
      response: z.object({ text: z.string() }),
    },
  ]);
  const reached = vi.fn();
  const handler = createHttpHandler(routes, {}, { echo: async ({ body }) => (reached(body), body) });
  const send = (body: string, init: { base64?: boolean; name?: string; query?: Record<string, string> } = {}) =>
    invoke(handler, {
      ...eventFor('POST /echo/{name}', {
        headers: { 'content-type': 'application/json' },
        body,
        ...(init.base64 ? { base64: true } : {}),
      }),
      pathParameters: { name: init.name ?? 'n' },
      ...(init.query ? { queryStringParameters: init.query } : {}),
    } as HttpEvent);
  const fieldsOf = (res: { body?: string }) => (JSON.parse(res.body ?? '{}') as { fields?: unknown }).fields;

  it('refuses a lone surrogate anywhere in the body, naming each place, before the operation', async () => {
    reached.mockClear();

    const res = await send('{"text":"\\ud800x","tags":["ok","\\udfff"],"extra":{"\\ud83d":"v"}}');

    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual([
      { field: 'body.text', message: expect.stringMatching(/well-formed/) },
      { field: 'body.tags.1', message: expect.stringMatching(/well-formed/) },
      { field: 'body.extra.\uFFFD', message: expect.stringMatching(/well-formed/) },
    ]);
    expect(reached).not.toHaveBeenCalled();
  });

  it('refuses a raw lone surrogate in a body that is not base64 (not replaced on the way)', async () => {
    const res = await send('{"text":"a\uD800b"}');

    expect([res.statusCode, fieldsOf(res)]).toEqual([400, [{ field: 'body.text', message: expect.any(String) }]]);
  });

  it('refuses a lone surrogate in a path or query parameter', async () => {
    const inPath = await send('{"text":"t"}', { name: 'a\uDC00' });
    const inQuery = await send('{"text":"t"}', { query: { q: '\uD800' } });

    expect([inPath.statusCode, fieldsOf(inPath)]).toEqual([400, [{ field: 'path.name', message: expect.any(String) }]]);
    expect([inQuery.statusCode, fieldsOf(inQuery)]).toEqual([400, [{ field: 'query.q', message: expect.any(String) }]]);
  });

  it('refuses a base64 body whose bytes are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);

    const res = await send(bytes.toString('base64'), { base64: true });

    expect([res.statusCode, fieldsOf(res)]).toEqual([400, [{ field: 'body', message: 'not UTF-8' }]]);
  });

  it('accepts well-formed text of every plane: pairs, combining marks, Hangul, ligatures', async () => {
    const text = '\u{1D518}\u{1F600}a\u0301\uD55C\uFDFA';

    const res = await send(JSON.stringify({ text }));

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '{}')).toEqual({ text });
  });

  it('counts the body limit in bytes, not characters', async () => {
    const wrapper = Buffer.byteLength('{"text":""}');
    const fits = Math.floor((MAX_BODY_BYTES - wrapper) / 2); // 'é' is 2 bytes of UTF-8
    const pad = 'x'.repeat(MAX_BODY_BYTES - wrapper - 2 * fits);
    const atLimit = JSON.stringify({ text: 'é'.repeat(fits) + pad });
    const overLimit = JSON.stringify({ text: 'é'.repeat(fits + 1) + pad });
    expect(Buffer.byteLength(atLimit)).toBe(MAX_BODY_BYTES);
    expect(overLimit.length).toBeLessThan(MAX_BODY_BYTES); // fewer characters than the limit…

    const accepted = await send(atLimit);
    const refused = await send(overLimit); // …but one byte too many

    expect(accepted.statusCode).toBe(200);
    expect(refused.statusCode).toBe(413);
  });
});

describe('every request, in the fixed order', () => {
  const seen: { origin?: Origin } = {};
  const routes = defineRoutes([
    {
      operationId: 'create',
      method: 'POST',
      path: '/things',
      auth: 'public',
      summary: 'Create',
      budget: {},
      body: z.strictObject({ name: z.string() }),
      response: z.object({ name: z.string() }),
      successStatus: 201,
    },
    {
      operationId: 'plain',
      method: 'GET',
      path: '/plain',
      auth: 'public',
      summary: 'Text',
      budget: {},
      produces: 'text/calendar; charset=utf-8',
    },
    {
      operationId: 'nothing',
      method: 'DELETE',
      path: '/things',
      auth: 'public',
      summary: 'No content',
      budget: {},
      successStatus: 204,
    },
  ]);
  const handler = createHttpHandler(
    routes,
    {
      matchAnyRoute: (method, path) => (path === '/things' ? { allowed: ['POST', 'DELETE'] } : { allowed: [] }),
    },
    {
      create: async ({ body, origin }) => ((seen.origin = origin), { name: body.name }),
      plain: async () => 'BEGIN:VCALENDAR' as never,
      nothing: async () => undefined,
    },
  );
  const send = (routeKey: string, init: Parameters<typeof eventFor>[1] = {}) =>
    invoke(handler, eventFor(routeKey, init));
  const json = { 'content-type': 'application/json' };
  const problem = (res: { statusCode: number; body?: string; headers: Record<string, string> }) => ({
    ...(JSON.parse(res.body ?? '{}') as { code?: string; fields?: unknown }),
    status: res.statusCode,
    contentType: res.headers['content-type'],
  });

  it('answers an unknown path 404 and a known path with another method 405 listing the allowed ones', async () => {
    const unknown = await invoke(handler, { ...eventFor('GET /nowhere'), routeKey: '$default' } as HttpEvent);
    const otherMethod = await invoke(handler, { ...eventFor('PUT /things'), routeKey: '$default' } as HttpEvent);

    expect(problem(unknown)).toMatchObject({
      status: 404,
      code: 'route_not_found',
      contentType: 'application/problem+json',
    });
    expect(problem(otherMethod)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(otherMethod.headers.allow).toBe('POST, DELETE');
  });

  it.each([
    ['application/json', 201],
    ['application/json; charset=utf-8', 201],
    ['Application/JSON', 201],
    ['application/merge-patch+json', 201],
    ['application/vnd.centrum.v1+json', 201],
    ['application/jsonp', 415],
    ['text/json', 415],
    ['text/plain; note=application/json', 415],
    ['application/x+y+json', 201],
    ['application/ +json', 415],
  ])('takes a JSON body sent as %s → %i', async (contentType, status) => {
    const res = await send('POST /things', { headers: { 'content-type': contentType }, body: '{"name":"n"}' });

    expect(res.statusCode).toBe(status);
  });

  it('names the body in every refusal of its form: missing, malformed, unexpected', async () => {
    const missing = await send('POST /things', { headers: json });
    const empty = await send('POST /things', { headers: json, body: '' });
    const malformed = await send('POST /things', { headers: json, body: '{"name":' });
    const unexpected = await send('DELETE /things', { headers: json, body: '{}' });

    expect(problem(missing)).toMatchObject({
      status: 400,
      code: 'body_required',
      fields: [{ field: 'body', message: 'required' }],
    });
    expect(problem(empty)).toMatchObject({ status: 400, code: 'body_required' });
    expect(problem(malformed)).toMatchObject({
      status: 400,
      code: 'malformed_json',
      fields: [{ field: 'body', message: 'malformed JSON' }],
    });
    expect(problem(unexpected)).toMatchObject({
      status: 400,
      code: 'unexpected_body',
      fields: [{ field: 'body', message: 'unexpected body' }],
    });
  });

  it('refuses query parameters on a route that takes none, naming each', async () => {
    const res = await invoke(handler, {
      ...eventFor('GET /plain'),
      queryStringParameters: { a: '1', b: '2' },
    } as HttpEvent);

    expect(problem(res)).toMatchObject({
      status: 400,
      fields: [
        { field: 'query.a', message: 'unknown parameter' },
        { field: 'query.b', message: 'unknown parameter' },
      ],
    });
  });

  it('reads a base64 body as the bytes it encodes', async () => {
    const res = await send('POST /things', {
      headers: json,
      body: Buffer.from('{"name":"Zoë"}').toString('base64'),
      base64: true,
    });

    expect([res.statusCode, JSON.parse(res.body ?? '{}')]).toEqual([201, { name: 'Zoë' }]);
  });

  it('answers each success with its status, type and headers: JSON, text, or no content', async () => {
    const created = await send('POST /things', { headers: json, body: '{"name":"n"}' });
    const text = await send('GET /plain');
    const none = await send('DELETE /things');

    expect([created.statusCode, created.headers['content-type'], created.headers['x-request-id']]).toEqual([
      201,
      'application/json',
      'req-1',
    ]);
    expect([text.statusCode, text.headers['content-type'], text.body]).toEqual([
      200,
      'text/calendar; charset=utf-8',
      'BEGIN:VCALENDAR',
    ]);
    expect([none.statusCode, none.body, none.headers['content-type']]).toEqual([204, undefined, undefined]);
    for (const res of [created, text, none])
      expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('keeps at most 256 code points of the user agent, never half of a pair, and the request origin', async () => {
    const long = '\u{1F600}'.repeat(300);

    await send('POST /things', { headers: { ...json, 'user-agent': long }, body: '{"name":"n"}' });
    const cut = seen.origin!;
    await send('POST /things', { headers: { ...json, 'user-agent': 'curl/8' }, body: '{"name":"n"}' });

    expect(cut.userAgent).toBe('\u{1F600}'.repeat(256));
    expect(cut).toMatchObject({ requestId: 'req-1', sourceIp: '198.51.100.1' });
    expect(seen.origin?.userAgent).toBe('curl/8');
  });

  it('names at most 10 ill-formed strings (a body of thousands costs no more)', async () => {
    const res = await send('POST /things', {
      headers: json,
      body: JSON.stringify({ name: 'n', list: Array(50).fill('x') }).replace(/"x"/g, '"\\ud800"'),
    });

    expect(problem(res).fields).toHaveLength(10);
  });

  it('answers an unexpected failure with an opaque 500 internal_error', async () => {
    const failing = createHttpHandler(
      routes,
      {},
      {
        create: async () => {
          throw new Error('boom');
        },
        plain: async () => '' as never,
        nothing: async () => undefined,
      },
    );

    const res = await invoke(failing, eventFor('POST /things', { headers: json, body: '{"name":"n"}' }));

    expect(problem(res)).toMatchObject({
      status: 500,
      code: 'internal_error',
      contentType: 'application/problem+json',
    });
    expect(res.body).not.toContain('boom');
  });
});
