import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { api } from '#functions/contexts';
import { composeContexts, timeZoneProblems } from '#shared/context/compose';
import { type ContextDefinition, defineContext, defineQueue, defineSchedule } from '#shared/context/definition';

const api_ = { memoryMb: 512, timeoutSeconds: 10, access: [], sizing: 'test' } as const;
const op = (operationId: string, path: string, method: 'GET' | 'POST' = 'GET') =>
  ({ operationId, method, path, auth: 'public', summary: operationId, budget: {} }) as const;
const schedule = (overrides: Partial<Parameters<typeof defineSchedule>[0]> = {}) =>
  defineSchedule({
    name: 'nightly',
    description: 'd',
    expression: 'cron(0 3 * * ? *)',
    timeZone: 'Europe/Brussels',
    payload: z.strictObject({ days: z.number().int() }),
    input: { days: 1 },
    retry: { maxAttempts: 2, maxEventAgeSeconds: 3600 },
    budget: {},
    ...overrides,
  });
const queue = (overrides: Partial<Parameters<typeof defineQueue>[0]> = {}) =>
  defineQueue({
    name: 'work',
    description: 'd',
    message: z.object({}),
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
    maxMessageAgeSeconds: 60,
    maxDepth: 10,
    producers: ['nightly'],
    rationale: 'test',
    budget: {},
    ...overrides,
  });
const withJobs = (schedules: unknown[], queues: unknown[]): ContextDefinition =>
  defineContext({
    name: 'background',
    summary: 's',
    routes: [],
    jobs: { ...api_, schedules, queues } as unknown as NonNullable<ContextDefinition['jobs']>,
  });

describe('composing the contexts at the edge', () => {
  it('composes the contexts of Centrum', () => {
    expect(api.operations.length).toBeGreaterThan(30);
    expect(api.contextOf('getPatient')).toBe('patients');
  });

  it('refuses an operation id or a route used twice, naming both owners', () => {
    const a = defineContext({ name: 'a', summary: 's', routes: [op('getThing', '/things')], api: api_ });
    const b = defineContext({ name: 'b', summary: 's', routes: [op('getThing', '/other')], api: api_ });
    const c = defineContext({ name: 'c', summary: 's', routes: [op('listThings', '/things')], api: api_ });

    expect(() => composeContexts([a, b])).toThrow(/operationId "getThing" is declared by a and b/);
    expect(() => composeContexts([a, c])).toThrow(/route "GET \/things" is declared by a.getThing and c.listThings/);
  });

  it('refuses routes without a function, and a context name that is not kebab-case', () => {
    expect(() => composeContexts([defineContext({ name: 'x', summary: 's', routes: [op('o', '/o')] })])).toThrow(
      /x has routes but no api function/,
    );
    expect(() => composeContexts([defineContext({ name: 'Bad_Name', summary: 's', routes: [] })])).toThrow(
      /not kebab-case/,
    );
  });

  it.each([
    ['a numbered day of the week (EventBridge counts Sunday 1, cron libraries 0)', { expression: 'cron(0 3 ? * 2 *)' }],
    ['a year other than *', { expression: 'cron(0 3 * * ? 2027)' }],
    ['both days given', { expression: 'cron(0 3 * * MON *)' }],
    ['five fields', { expression: 'cron(0 3 * * ?)' }],
    ['a time zone that is no IANA name', { timeZone: 'Brussels time' }],
    ['an input its payload schema refuses', { input: { days: 'one' } as never }],
  ])('refuses a schedule with %s', (_what, overrides) => {
    expect(() => composeContexts([withJobs([schedule(overrides)], [])])).toThrow(/schedule nightly/);
  });

  it('finds, at synth, a schedule whose time zone the runtime does not know', () => {
    const composed = composeContexts([withJobs([schedule({ timeZone: 'Europe/Atlantis' })], [])]);

    expect(timeZoneProblems(composed)).toEqual(['schedule nightly: "Europe/Atlantis" is not an IANA time zone']);
    expect(timeZoneProblems(api)).toEqual([]);
  });

  it('accepts rate expressions and named days', () => {
    expect(() =>
      composeContexts([
        withJobs(
          [
            schedule({ expression: 'rate(5 minutes)' }),
            schedule({ name: 'weekly', expression: 'cron(0 3 ? * MON-FRI *)' }),
          ],
          [],
        ),
      ]),
    ).not.toThrow();
  });

  it('refuses a queue whose visibility timeout is under six times its worker timeout, or fed by an unknown schedule', () => {
    expect(() => composeContexts([withJobs([schedule()], [queue({ visibilityTimeoutSeconds: 59 })])])).toThrow(
      /visibility timeout 59 s < 6 × the jobs function's 10 s/,
    );
    expect(() => composeContexts([withJobs([schedule()], [queue({ producers: ['hourly'] })])])).toThrow(
      /producer hourly is not a schedule of background/,
    );
  });

  it('refuses a log subscription with no log group, a name taken, or a log group read twice', () => {
    const subscription = (name: string, logGroups: string[]) => ({
      name,
      description: 'd',
      logGroups,
      filterPattern: '',
      budget: {},
    });
    const withLogs = (...subscriptions: unknown[]) => {
      const context = withJobs([schedule()], []);
      return { ...context, jobs: { ...context.jobs!, logSubscriptions: subscriptions } } as ContextDefinition;
    };
    expect(() =>
      composeContexts([withLogs(subscription('delivery-logs', ['sns/{region}/{account}/x']))]),
    ).not.toThrow();
    expect(() => composeContexts([withLogs(subscription('delivery-logs', []))])).toThrow(/no log group/);
    expect(() => composeContexts([withLogs(subscription('nightly', ['g']))])).toThrow(/"nightly" is declared by/);
    expect(() => composeContexts([withLogs(subscription('one', ['g']), subscription('two', ['g']))])).toThrow(
      /log group "g" is declared by background.one and background.two/,
    );
  });
});
