import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '#functions/contexts';
import { type Budget, overBudget } from '#shared/db/budget';
import { requestCounts, resetRequestCounts } from '#shared/db/request-counter';
import { call } from '../support/api';
import { actorOf, callers, setupRouteMatrix } from '../support/matrix-world';
import { contractViolations } from '../support/openapi-contract';
import { caseOf, casesByContext } from '../support/route-cases';

/**
 * The authorization matrix: every operation of every context listed at the edge × every caller
 * (test/support/matrix-world.ts), with the status each caller must get. Each answer is checked
 * against the OpenAPI document (status, content type, body schema), and each call's DynamoDB
 * requests are counted and checked against the budget declared beside the operation.
 */
const measured = new Map<string, Budget>();

beforeAll(setupRouteMatrix);

afterAll(() => {
  console.table(
    api.operations.map(({ operation }) => ({
      route: operation.operationId,
      measured: JSON.stringify(measured.get(operation.operationId) ?? {}),
      budget: JSON.stringify(operation.budget),
    })),
  );
});

describe('authorization matrix', () => {
  it('has one case per operation of every context, and no case for anything else', () => {
    for (const context of api.contexts) {
      expect(Object.keys(casesByContext[context.name] ?? {}).sort(), context.name).toEqual(
        context.routes.map((o) => o.operationId).sort(),
      );
    }
    expect(Object.keys(casesByContext).sort()).toEqual(api.contexts.map((c) => c.name).sort());
  });

  describe.each(api.operations.map((o) => [o.operation.operationId, o.operation] as const))(
    '%s',
    (operationId, operation) => {
      it.each(callers)('as %s', async (who) => {
        const testCase = caseOf(operationId);
        const req = await testCase.request(who);

        resetRequestCounts();
        const res = await call(req.method, req.url, {
          token: actorOf(who)?.token,
          body: req.body,
          ...(req.sourceIp ? { sourceIp: req.sourceIp } : {}),
        });
        const counts = requestCounts();

        expect(res.status, `${operationId} as ${who}: ${res.text.slice(0, 300)}`).toBe(testCase.expect[who]);
        if (res.status >= 400) expect(res.headers['content-type']).toBe('application/problem+json');
        expect(contractViolations(req.method, req.url, res), `${operationId} as ${who}`).toEqual([]);
        const max = measured.get(operationId) ?? {};
        for (const [command, n] of Object.entries(counts))
          max[command as keyof Budget] = Math.max(max[command as keyof Budget] ?? 0, n);
        measured.set(operationId, max);
        expect(overBudget(counts, operation.budget), `${operationId} as ${who}: over budget`).toEqual([]);
      });
    },
  );
});
