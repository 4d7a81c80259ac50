import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { Cron } from 'croner';
import { api } from '#functions/contexts';
import type { ContextDefinition, ScheduleSpec } from '#shared/context/definition';
import { localQueues } from '#shared/jobs/local-queues';
import type { ScheduledEvent, ScheduleResult } from '#shared/jobs/pipeline';
import { lambdaContext } from './http-adapter';

/**
 * The local stand-in for EventBridge Scheduler and the SQS event source mappings: the schedules
 * declared by the contexts fire on their cadence (`npm start`) or once by hand (`npm run job`),
 * with the event the cloud sends (its intended time as `scheduledTime`), into the very jobs handler
 * that is deployed; queue messages go to the same handler through the in-process queues, with
 * SQS's retry and dead-letter behaviour (shared/jobs/local-queues.ts).
 */
export type JobsHandler = (event: unknown, context: Context) => Promise<unknown>;

const contexts: readonly ContextDefinition[] = api.contexts;
export const schedules = contexts.flatMap((c) =>
  (c.jobs?.schedules ?? []).map((schedule) => ({ context: c.name, schedule })),
);
export const queues = contexts.flatMap((c) => (c.jobs?.queues ?? []).map((queue) => ({ context: c.name, queue })));

/** The deployed jobs handlers of every context that has background work, by context name. */
export async function loadJobHandlers(): Promise<Record<string, JobsHandler>> {
  const withJobs = contexts.filter((c) => c.jobs);
  const modules = await Promise.all(
    withJobs.map((c) => import(`../../functions/${c.name}/jobs.ts`) as Promise<{ handler: unknown }>),
  );
  return Object.fromEntries(withJobs.map((c, i) => [c.name, modules[i]!.handler as JobsHandler]));
}

/** Every declared queue delivers to its context's jobs handler, as an SQS event source mapping does. */
export function connectQueues(handlers: Record<string, JobsHandler>) {
  for (const { context, queue } of queues) {
    const handler = handlers[context]!;
    localQueues.register(queue.name, {
      batchSize: queue.batchSize,
      maxReceiveCount: queue.maxReceiveCount,
      visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
      deliver: async (event) =>
        (await handler(event, lambdaContext(`centrum-${context}-jobs`, randomUUID()))) as { batchItemFailures: [] },
    });
  }
}

/** The event EventBridge Scheduler sends for a run of a schedule intended at `scheduledTime`. */
export function scheduledEvent(
  schedule: ScheduleSpec,
  scheduledTime: Date,
  executionId: string = randomUUID(),
): ScheduledEvent {
  return {
    source: 'centrum.schedule',
    schedule: schedule.name,
    scheduledTime: scheduledTime.toISOString(),
    executionId,
    payload: schedule.input,
  };
}

export function findSchedule(name: string) {
  return schedules.find((s) => s.schedule.name === name);
}

/** Runs one schedule once, as if it fired at `now`. */
export async function runSchedule(handlers: Record<string, JobsHandler>, name: string, now: Date) {
  const found = findSchedule(name);
  if (!found)
    throw new Error(`No schedule named ${name}; declared: ${schedules.map((s) => s.schedule.name).join(', ')}`);
  const event = scheduledEvent(found.schedule, now);
  return (await handlers[found.context]!(
    event,
    lambdaContext(`centrum-${found.context}-jobs`, event.executionId ?? randomUUID()),
  )) as ScheduleResult;
}

/**
 * The cron pattern croner reads for an EventBridge expression (shared/context/compose.ts accepts
 * only the subset both read alike): the year field dropped, `?` (no specific value) as `*`.
 */
export function cronPattern(expression: string): string | undefined {
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) return undefined;
  return cron[1]!
    .trim()
    .split(/\s+/)
    .slice(0, 5)
    .map((field) => (field === '?' ? '*' : field))
    .join(' ');
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Starts a timer per declared schedule; each firing runs the job with its intended time. Returns a stop function. */
export function startTimers(
  handlers: Record<string, JobsHandler>,
  onRun: (result: ScheduleResult | Error, schedule: string) => void,
): () => void {
  const stops: (() => void)[] = [];
  for (const { schedule } of schedules) {
    const fire = (at: Date) =>
      runSchedule(handlers, schedule.name, at).then(
        (result) => onRun(result, schedule.name),
        (error: Error) => onRun(error, schedule.name),
      );
    const pattern = cronPattern(schedule.expression);
    if (pattern) {
      const job = new Cron(pattern, { timezone: schedule.timeZone }, (self: Cron) => {
        void fire(self.currentRun() ?? new Date());
      });
      stops.push(() => job.stop());
    } else {
      const [, count, unit] = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule.expression) ?? [];
      const every = Number(count) * (RATE_UNITS_MS[unit ?? ''] ?? 0);
      let next = Date.now() + every;
      const timer = setInterval(() => {
        void fire(new Date(next));
        next += every;
      }, every);
      stops.push(() => clearInterval(timer));
    }
  }
  return () => stops.forEach((stop) => stop());
}

/** When a schedule fires next (for the start banner). */
export function nextRun(schedule: ScheduleSpec): Date | undefined {
  const pattern = cronPattern(schedule.expression);
  if (!pattern) return undefined;
  return new Cron(pattern, { timezone: schedule.timeZone, paused: true }).nextRun() ?? undefined;
}
