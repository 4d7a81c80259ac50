import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/http/routes';
import { type CallOptions, call } from '../support/api';
import { itemCount } from '../support/table';
import { buildCentre, type CentreWorld } from '../support/world';

/**
 * Property: whatever junk reaches any route of the route table — odd path ids, query strings,
 * bodies, content types, sizes, with or without a valid token — the answer is never a 5xx, and
 * a refused request (4xx) writes nothing.
 */
let w: CentreWorld;

beforeAll(async () => {
  w = await buildCentre('Junk centre');
});

const junkValue = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.record({ version: fc.oneof(fc.integer(), fc.string()), firstName: fc.oneof(fc.string(), fc.integer()) }),
  fc.dictionary(fc.string(), fc.jsonValue()),
);

const junkBody = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: junkValue }),
  fc.record({
    kind: fc.constant('raw' as const),
    value: fc.string({ maxLength: 200 }),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/xml', ''),
  }),
  fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 70_000, max: 200_000 }) }),
  fc.constant({ kind: 'none' as const }),
);

const junkRequest = fc.record({
  pathValue: fc.oneof(fc.string(), fc.stringMatching(/^[0-9A-Z]{26}$/), fc.constant('..'), fc.constant('%')),
  query: fc.dictionary(
    fc.oneof(
      fc.constantFrom('limit', 'cursor', 'lastName', 'phone', 'birthDate', 'practitionerId'),
      fc.string({ maxLength: 10 }),
    ),
    fc.string({ maxLength: 40 }),
    { maxKeys: 4 },
  ),
  body: junkBody,
  authenticated: fc.boolean(),
});

describe('junk thrown at every route', () => {
  it.each(routes.map((r) => [r.operationId, r] as const))(
    '%s never answers 5xx and writes nothing when it refuses',
    async (_id, route) => {
      await fc.assert(
        fc.asyncProperty(junkRequest, async (junk) => {
          const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(junk.pathValue) || 'x');
          const search = new URLSearchParams(junk.query).toString();
          const url = search ? `${path}?${search}` : path;
          const options: CallOptions =
            junk.body.kind === 'json'
              ? { body: junk.body.value }
              : junk.body.kind === 'raw'
                ? {
                    rawBody: junk.body.value,
                    headers: junk.body.contentType ? { 'content-type': junk.body.contentType } : {},
                  }
                : junk.body.kind === 'huge'
                  ? {
                      rawBody: JSON.stringify({ notes: 'x'.repeat(junk.body.size) }),
                      headers: { 'content-type': 'application/json' },
                    }
                  : {};
          const before = await itemCount();

          const res = await call(route.method, url, {
            ...options,
            token: junk.authenticated ? w.manager.token : undefined,
            sourceIp: '198.51.100.99',
          });

          expect(res.status, `${route.method} ${url} → ${res.text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers['content-type']).toBe('application/problem+json');
            expect(await itemCount()).toBe(before);
          }
        }),
        { numRuns: Number(process.env.JUNK_RUNS ?? 25) },
      );
    },
  );
});
