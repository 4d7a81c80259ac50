import type { ContextDefinition, QueueSpec, ScheduleSpec } from '#shared/context/definition';
import { type OperationSpec, routeKey } from '#shared/http/operation';

/**
 * Composes the contexts listed at the edge and refuses, at start (import) time, what would break
 * routing or deployment: two contexts with one name, an operation id or route key used twice, a
 * schedule or queue name used twice, a schedule whose expression or payload is invalid, a queue
 * whose visibility timeout is shorter than six times its function's timeout.
 */
export interface ComposedOperation {
  context: string;
  operation: OperationSpec;
}

export interface Composition<C extends readonly ContextDefinition[]> {
  contexts: C;
  operations: readonly ComposedOperation[];
  schedules: readonly { context: string; schedule: ScheduleSpec }[];
  queues: readonly { context: string; queue: QueueSpec }[];
  contextOf(operationId: string): string | undefined;
}

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function composeContexts<const C extends readonly ContextDefinition[]>(contexts: C): Composition<C> {
  const problems: string[] = [];
  const once = (kind: string, seen: Map<string, string>, key: string, owner: string) => {
    const first = seen.get(key);
    if (first) problems.push(`${kind} "${key}" is declared by ${first} and ${owner}`);
    seen.set(key, owner);
  };
  const names = new Map<string, string>();
  const ids = new Map<string, string>();
  const keys = new Map<string, string>();
  const jobNames = new Map<string, string>();
  const logGroups = new Map<string, string>();

  for (const context of contexts) {
    if (!kebab.test(context.name)) problems.push(`context name "${context.name}" is not kebab-case`);
    once('context', names, context.name, context.name);
    if (context.routes.length > 0 && !context.api) problems.push(`${context.name} has routes but no api function`);
    for (const operation of context.routes) {
      once('operationId', ids, operation.operationId, context.name);
      once('route', keys, routeKey(operation), `${context.name}.${operation.operationId}`);
      if (operation.successStatus === 204 && operation.response)
        problems.push(`${operation.operationId} answers 204 but declares a response body`);
    }
    const jobs = context.jobs;
    if (!jobs) continue;
    for (const schedule of jobs.schedules) {
      once('schedule or queue', jobNames, schedule.name, context.name);
      problems.push(...scheduleProblems(schedule).map((p) => `schedule ${schedule.name}: ${p}`));
    }
    for (const queue of jobs.queues) {
      once('schedule or queue', jobNames, queue.name, context.name);
      if (!kebab.test(queue.name)) problems.push(`queue ${queue.name}: name is not kebab-case`);
      if (queue.visibilityTimeoutSeconds < 6 * jobs.timeoutSeconds)
        problems.push(
          `queue ${queue.name}: visibility timeout ${queue.visibilityTimeoutSeconds} s < 6 × the jobs function's ${jobs.timeoutSeconds} s`,
        );
      for (const producer of queue.producers) {
        if (!jobs.schedules.some((s) => s.name === producer))
          problems.push(`queue ${queue.name}: producer ${producer} is not a schedule of ${context.name}`);
      }
    }
    for (const subscription of jobs.logSubscriptions ?? []) {
      once('schedule or queue', jobNames, subscription.name, context.name);
      if (!kebab.test(subscription.name))
        problems.push(`log subscription ${subscription.name}: name is not kebab-case`);
      if (subscription.logGroups.length === 0) problems.push(`log subscription ${subscription.name}: no log group`);
      for (const group of subscription.logGroups)
        once('log group', logGroups, group, `${context.name}.${subscription.name}`);
    }
  }
  if (problems.length > 0) throw new Error(`The contexts do not compose:\n- ${problems.join('\n- ')}`);

  const operations = contexts.flatMap((c) => c.routes.map((operation) => ({ context: c.name, operation })));
  const byId = new Map(operations.map((o) => [o.operation.operationId, o.context]));
  return {
    contexts,
    operations,
    schedules: contexts.flatMap((c) => (c.jobs?.schedules ?? []).map((schedule) => ({ context: c.name, schedule }))),
    queues: contexts.flatMap((c) => (c.jobs?.queues ?? []).map((queue) => ({ context: c.name, queue }))),
    contextOf: (operationId) => byId.get(operationId),
  };
}

/**
 * The subset of EventBridge Scheduler expressions Centrum uses, so that the local timer reads them
 * exactly as the cloud does: `rate(n minutes|hours|days)`, or `cron(...)` with six fields, `*` for
 * the year, no `L`/`W`/`#`, and named days of the week only (EventBridge numbers Sunday 1, cron
 * libraries 0: names cannot be misread).
 */
export function scheduleProblems(schedule: ScheduleSpec): string[] {
  const problems: string[] = [];
  if (!kebab.test(schedule.name)) problems.push('name is not kebab-case');
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expression);
  const cron = /^cron\((.+)\)$/.exec(schedule.expression);
  if (rate) {
    if (Number(rate[1]) < 1) problems.push('a rate must be at least 1');
  } else if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) problems.push('a cron expression has six fields (minutes … year)');
    else {
      const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, ...string[]];
      if (year !== '*') problems.push('the year field must be *');
      if ([minutes, hours, dayOfMonth, month, dayOfWeek].some((f) => /[LW#]/.test(f!)))
        problems.push('L, W and # are not supported');
      if (/\d/.test(dayOfWeek!)) problems.push('days of the week must be named (MON-FRI), not numbered');
      if ((dayOfMonth === '?') === (dayOfWeek === '?'))
        problems.push('exactly one of day-of-month and day-of-week must be ?');
    }
  } else problems.push(`"${schedule.expression}" is neither rate(...) nor cron(...)`);
  // The shape only: asking Intl costs a Lambda ~20 ms of ICU loading at init (timeZoneProblems does, at synth).
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$|^UTC$/.test(schedule.timeZone))
    problems.push(`"${schedule.timeZone}" is not an IANA time zone`);
  const input = schedule.payload.safeParse(schedule.input);
  if (!input.success) problems.push(`its input does not match its payload schema: ${input.error.message}`);
  if (schedule.retry.maxAttempts < 0 || schedule.retry.maxAttempts > 185) problems.push('retry attempts: 0 to 185');
  if (schedule.retry.maxEventAgeSeconds < 60 || schedule.retry.maxEventAgeSeconds > 86400)
    problems.push('maximum event age: 60 s to 24 h');
  return problems;
}

/**
 * The schedules whose time zone the runtime does not know. Not part of composing (it loads ICU
 * data, ~20 ms at every cold start of a function that imports the edge): CDK synth runs it, and
 * the tests.
 */
export function timeZoneProblems(composition: Pick<Composition<readonly ContextDefinition[]>, 'schedules'>): string[] {
  return composition.schedules.flatMap(({ schedule }) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: schedule.timeZone });
      return [];
    } catch {
      return [`schedule ${schedule.name}: "${schedule.timeZone}" is not an IANA time zone`];
    }
  });
}
