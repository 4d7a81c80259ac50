import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCounts, resetRequestCounts } from '#shared/db/request-counter';
import { type Budget, type OperationId, routes } from '#shared/http/routes';
import { call } from '../support/api';
import { actorOf, callers, matrix, setupRouteMatrix } from '../support/route-matrix';

/**
 * The authorization matrix (test/support/route-matrix.ts) must list every route of the route
 * table. Each call's DynamoDB requests are counted and checked against the budget declared in the
 * route table.
 */
/** The most requests of each kind seen per route (printed and checked against the budget). */
const measured = new Map<string, Budget>();

beforeAll(setupRouteMatrix);

afterAll(() => {
  console.table(
    routes.map((r) => ({
      route: r.operationId,
      measured: JSON.stringify(measured.get(r.operationId) ?? {}),
      budget: JSON.stringify(r.budget),
    })),
  );
});

describe('authorization matrix', () => {
  it('lists every route of the route table, and nothing else', () => {
    expect(Object.keys(matrix).sort()).toEqual(routes.map((r) => r.operationId).sort());
  });

  describe.each(routes.map((r) => [r.operationId, r] as const))('%s', (operationId, route) => {
    it.each(callers)('as %s', async (who) => {
      const testCase = matrix[operationId as OperationId]!;
      const req = await testCase.request(who);
      const token = actorOf(who)?.token;

      resetRequestCounts();
      const res = await call(req.method, req.url, {
        token,
        body: req.body,
        ...(req.sourceIp ? { sourceIp: req.sourceIp } : {}),
      });
      const counts = requestCounts();

      expect(res.status, `${operationId} as ${who}: ${res.text.slice(0, 300)}`).toBe(testCase.expect[who]);
      if (res.status >= 400) expect(res.headers['content-type']).toBe('application/problem+json');
      const max = measured.get(operationId) ?? {};
      for (const [command, n] of Object.entries(counts))
        max[command as keyof Budget] = Math.max(max[command as keyof Budget] ?? 0, n);
      measured.set(operationId, max);
      for (const [command, n] of Object.entries(counts)) {
        expect(n, `${operationId} as ${who}: ${command} over budget`).toBeLessThanOrEqual(
          route.budget[command as keyof Budget] ?? 0,
        );
      }
    });
  });
});
