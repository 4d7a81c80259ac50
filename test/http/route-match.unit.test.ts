import { describe, expect, it } from 'vitest';
import { defineRoutes } from '#shared/http/operation';
import { createRouteMatcher } from '#shared/http/route-match';

const route = (operationId: string, method: 'GET' | 'POST' | 'DELETE', path: string) =>
  ({ operationId, method, path, auth: 'public', summary: operationId, budget: {} }) as const;
const match = createRouteMatcher(
  defineRoutes([
    route('listThings', 'GET', '/things'),
    route('getThing', 'GET', '/things/{thingId}'),
    route('special', 'GET', '/things/special'),
    route('dropThing', 'DELETE', '/things/{thingId}'),
    route('help', 'GET', '/{lang}/help'),
  ]),
);

describe('matching a request to an operation, as API Gateway does', () => {
  it('prefers a literal route to a templated one', () => {
    expect(match('GET', '/things/special').operation?.operationId).toBe('special');
  });

  it('falls back to a templated route of the method when the literal path has no such method', () => {
    expect(match('DELETE', '/things/special')).toMatchObject({
      operation: { operationId: 'dropThing' },
      pathParameters: { thingId: 'special' },
    });
  });

  it('decodes path parameters, and matches one segment only', () => {
    expect(match('GET', '/things/a%20b').operation && match('GET', '/things/a%20b')).toMatchObject({
      pathParameters: { thingId: 'a b' },
    });
    expect(match('GET', '/things/a/b')).toEqual({ allowed: [] });
  });

  it('matches a route that starts with a parameter', () => {
    expect(match('GET', '/fr/help')).toMatchObject({
      operation: { operationId: 'help' },
      pathParameters: { lang: 'fr' },
    });
  });

  it('lists the methods a known path allows (405), and none for an unknown one (404)', () => {
    expect(match('POST', '/things/42')).toEqual({ allowed: ['GET', 'DELETE'] });
    expect(match('POST', '/things')).toEqual({ allowed: ['GET'] });
    expect(match('GET', '/nothing')).toEqual({ allowed: [] });
  });
});
