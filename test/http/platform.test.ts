import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { api } from '#functions/contexts';
import { routeKey } from '#shared/http/operation';
import { call } from '../support/api';

describe('platform routes', () => {
  it('answers /health with 200 without a token', async () => {
    const res = await call('GET', '/health');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('serves an OpenAPI 3.1 document listing every operation of every context', async () => {
    const res = await call('GET', '/openapi.json');

    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(api.operations.map((o) => routeKey(o.operation)).sort());
  });

  it('is a valid OpenAPI 3.1 document (checked against the official schema)', async () => {
    const res = await call('GET', '/openapi.json');

    const result = await new Validator().validate(res.body);

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents request bodies from the same zod schemas the handlers validate with', async () => {
    const res = await call('GET', '/openapi.json');

    const create = res.body.paths['/patients'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['firstName', 'lastName', 'birthDate']));
    expect(schema.additionalProperties).toBe(false);
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(res.body.paths['/health'].get.security).toEqual([]);
  });

  it('renders the API reference page at /docs', async () => {
    const res = await call('GET', '/docs');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('data-url="openapi.json"');
    // The viewer comes from a CDN: one pinned version, refused by the browser if its bytes change.
    const viewer = /<script src="([^"]+)" integrity="(sha384-[A-Za-z0-9+/=]{64})" crossorigin="anonymous">/.exec(
      res.text,
    );
    expect(viewer?.[1]).toMatch(/@scalar\/api-reference@\d+\.\d+\.\d+\//);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await call('GET', '/no/such/route');

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.code).toBe('route_not_found');
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const res = await call('DELETE', '/health');

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });
});
