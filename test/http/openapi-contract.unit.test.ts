import { describe, expect, it } from 'vitest';
import { contractViolations } from '../support/openapi-contract';

/** The checker the route matrix and the junk property run on every answer must itself catch drift. */
const json = (status: number, body: unknown, contentType = 'application/json') => ({
  status,
  headers: { 'content-type': contentType },
  text: JSON.stringify(body),
});

const problem = (status: number, extra: Record<string, unknown> = {}) =>
  json(
    status,
    {
      type: 'https://centrum.health/problems/x',
      title: 'T',
      status,
      code: 'x',
      detail: 'd',
      instance: '/health',
      requestId: 'r',
      ...extra,
    },
    'application/problem+json',
  );

describe('checking an answer against the OpenAPI document', () => {
  it('accepts a documented answer', () => {
    expect(
      contractViolations('GET', '/health', json(200, { status: 'ok', stage: 'test', time: new Date().toISOString() })),
    ).toEqual([]);
  });

  it('reports a status the operation does not document', () => {
    expect(contractViolations('GET', '/health', problem(409)).join()).toMatch(/health answered 409/);
  });

  it('reports a property the response schema does not list', () => {
    const extra = json(200, { status: 'ok', stage: 'test', time: new Date().toISOString(), centreId: 'x' });

    expect(contractViolations('GET', '/health', extra).join()).toMatch(/additional/);
  });

  it('reports a problem member the Problem schema does not list, and accepts the listed ones', () => {
    expect(contractViolations('POST', '/auth/sign-in', problem(409, { centres: [] }))).toEqual([]);
    expect(contractViolations('POST', '/auth/sign-in', problem(409, { secret: 1 })).join()).toMatch(/additional/);
  });

  it('reports a content type the status does not document', () => {
    expect(contractViolations('GET', '/docs', json(200, {})).join()).toMatch(/answered application\/json/);
  });

  it('expects a request matching no route to be answered 404 or 405 as a problem', () => {
    expect(contractViolations('GET', '/nowhere', problem(404))).toEqual([]);
    expect(contractViolations('GET', '/nowhere', problem(200)).join()).toMatch(/unmatched request answered 200/);
  });
});
