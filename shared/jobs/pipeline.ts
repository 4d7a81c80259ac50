import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import * as z from 'zod';
import type { ContextDefinition, QueueSpec, ScheduleSpec } from '#shared/context/definition';
import { queueTransport } from '#shared/jobs/transport';
import { logger } from '#shared/logger';
import { internalOrigin, type Origin } from '#shared/origin';

/**
 * The entry of a context's background function: scheduled runs (EventBridge Scheduler) and queue
 * workers (SQS), in one fixed order like the HTTP pipeline — correlation id → which job → payload
 * validation → the job → result or failure. Invalid input is never retried: it is logged with its
 * reason and sent to the dead-letter queue at once. A failing job is retried by the platform
 * (Lambda's asynchronous retries for a schedule; redelivery up to `maxReceiveCount` for a message)
 * and then dead-lettered. One failing message of a batch is reported alone (partial batch
 * response), so its neighbours are not processed again.
 */

/** What EventBridge Scheduler sends (the target input of every schedule, infra/constructs). */
export const scheduledEventSchema = z.object({
  source: z.literal('centrum.schedule'),
  schedule: z.string(),
  /** `<aws.scheduler.scheduled-time>`: the intended time of the run, ISO 8601. */
  scheduledTime: z.iso.datetime({ offset: true }),
  /** `<aws.scheduler.execution-id>`. */
  executionId: z.string().optional(),
  payload: z.unknown(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

export interface ScheduledRun<P> {
  payload: P;
  /** The schedule's intended time: a late or repeated run computes the same thing. */
  now: Date;
  origin: Origin;
  /** Sends messages to a queue of the context (validated against its message schema). */
  enqueue(queue: string, messages: readonly unknown[]): Promise<void>;
}

export interface QueuedMessage<M> {
  message: M;
  messageId: string;
  /** 1 on the first delivery. */
  receiveCount: number;
  origin: Origin;
}

/** What a run reports (printed by `npm run job`, logged in the cloud): counts and ids, no personal data. */
export type JobSummary = Record<string, number | string | readonly string[]>;

export interface ScheduleResult {
  schedule: string;
  scheduledTime: string;
  outcome: 'done' | 'dead-lettered';
  summary: JobSummary;
}

type JobsOf<C extends ContextDefinition> = NonNullable<C['jobs']>;
type SchedulesOf<C extends ContextDefinition> = JobsOf<C>['schedules'][number];
type QueuesOf<C extends ContextDefinition> = JobsOf<C>['queues'][number];
type LogsOf<C extends ContextDefinition> = NonNullable<JobsOf<C>['logSubscriptions']>[number];

/** One log event of a CloudWatch Logs subscription. */
export interface LogRecord {
  id: string;
  timestamp: number;
  message: string;
  logGroup: string;
  origin: Origin;
}

export interface JobsImplementation<C extends ContextDefinition> {
  schedules: {
    [S in SchedulesOf<C> as S['name']]: (run: ScheduledRun<z.output<S['payload']>>) => Promise<JobSummary>;
  };
  workers: {
    [Q in QueuesOf<C> as Q['name']]: (message: QueuedMessage<z.output<Q['message']>>) => Promise<void>;
  };
  /** One function per log subscription: the batch's log events (a throw: Lambda retries the batch). */
  logs?: {
    [L in LogsOf<C> as L['name']]: (records: LogRecord[]) => Promise<void>;
  };
}

class InvalidInput extends Error {}

export function createJobsHandler<const C extends ContextDefinition>(
  context: C,
  implementation: NoInfer<JobsImplementation<C>>,
) {
  const jobs = context.jobs;
  if (!jobs) throw new Error(`${context.name} declares no schedules or queues`);
  const schedules = new Map<string, ScheduleSpec>(jobs.schedules.map((s) => [s.name, s]));
  const queues = new Map<string, QueueSpec>(jobs.queues.map((q) => [q.name, q]));
  const scheduleJobs = implementation.schedules as Record<string, (run: ScheduledRun<unknown>) => Promise<JobSummary>>;
  const workers = implementation.workers as Record<string, (message: QueuedMessage<unknown>) => Promise<void>>;
  const subscriptions = jobs.logSubscriptions ?? [];
  const logReaders = (implementation.logs ?? {}) as Record<string, (records: LogRecord[]) => Promise<void>>;
  for (const name of [...schedules.keys(), ...queues.keys(), ...subscriptions.map((l) => l.name)]) {
    if (!scheduleJobs[name] && !workers[name] && !logReaders[name])
      throw new Error(`${context.name}: ${name} has no implementation`);
  }
  for (const name of [...Object.keys(scheduleJobs), ...Object.keys(workers), ...Object.keys(logReaders)]) {
    if (!schedules.has(name) && !queues.has(name) && !subscriptions.some((l) => l.name === name))
      throw new Error(`${context.name}: ${name} is not declared`);
  }

  const enqueue = (producer: string) => async (queue: string, messages: readonly unknown[]) => {
    const spec = queues.get(queue);
    if (!spec?.producers.includes(producer)) throw new Error(`${producer} may not send to ${queue}`);
    const bodies = messages.map((m) => JSON.stringify(spec.message.parse(m)));
    if (bodies.length > 0) await queueTransport().send(queue, bodies);
  };

  async function runSchedule(event: unknown): Promise<ScheduleResult> {
    const parsed = scheduledEventSchema.safeParse(event);
    const spec = parsed.success ? schedules.get(parsed.data.schedule) : undefined;
    const payload = spec?.payload.safeParse(parsed.data?.payload);
    if (!parsed.success || !spec || !payload?.success) {
      const reason = !parsed.success
        ? `not a scheduled event: ${z.prettifyError(parsed.error)}`
        : !spec
          ? `unknown schedule ${parsed.data.schedule}`
          : `invalid payload: ${z.prettifyError(payload!.error!)}`;
      logger.error('scheduled event refused', { reason });
      await queueTransport().deadLetter(`jobs:${context.name}`, JSON.stringify(event), reason);
      return {
        schedule: parsed.data?.schedule ?? 'unknown',
        scheduledTime: parsed.data?.scheduledTime ?? '',
        outcome: 'dead-lettered',
        summary: { reason },
      };
    }
    const { schedule, scheduledTime, executionId } = parsed.data;
    logger.setCorrelationId(executionId ?? `${schedule}@${scheduledTime}`);
    logger.appendKeys({ schedule, scheduledTime });
    const summary = await scheduleJobs[schedule]!({
      payload: payload.data,
      now: new Date(scheduledTime),
      origin: internalOrigin(executionId ?? `${schedule}@${scheduledTime}`, `schedule/${schedule}`),
      enqueue: enqueue(schedule),
    });
    logger.info('scheduled run done', { summary });
    return { schedule, scheduledTime, outcome: 'done', summary };
  }

  async function runQueue(event: SQSEvent): Promise<SQSBatchResponse> {
    const arn = event.Records[0]?.eventSourceARN ?? '';
    const name = [...queues.keys()]
      .filter((q) => arn.endsWith(`:${q}`) || arn.endsWith(`-${q}`))
      .sort((a, b) => b.length - a.length)[0];
    if (!name) throw new Error(`${context.name} has no worker for ${arn}`);
    const spec = queues.get(name)!;
    const work = workers[name]!;
    const handleRecord = async (record: SQSRecord) => {
      let message: unknown;
      try {
        const parsed = spec.message.safeParse(JSON.parse(record.body));
        if (!parsed.success) throw new InvalidInput(z.prettifyError(parsed.error));
        message = parsed.data;
      } catch (error) {
        const reason = `invalid message: ${error instanceof InvalidInput ? error.message : 'not JSON'}`;
        logger.error('queue message refused', { queue: name, messageId: record.messageId, reason });
        await queueTransport().deadLetter(name, record.body, reason);
        return;
      }
      try {
        await work({
          message,
          messageId: record.messageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
          origin: internalOrigin(record.messageId, `queue/${name}`),
        });
      } catch (error) {
        logger.warn('queue message failed; SQS will deliver it again', {
          queue: name,
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          // The name only: a provider's message may quote the addressee.
          error: (error as Error).name,
        });
        throw error;
      }
    };
    // A processor keeps the state of one batch: a new one per invocation (the local stack may
    // deliver batches of several queues at once in one process).
    return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      throwOnFullBatchFailure: false,
    });
  }

  /** A CloudWatch Logs subscription's batch: decoded, matched to its subscription by log group. */
  async function runLogs(event: { awslogs: { data: string } }): Promise<{ logEvents: number }> {
    const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as {
      messageType: string;
      logGroup: string;
      logEvents?: { id: string; timestamp: number; message: string }[];
    };
    if (data.messageType !== 'DATA_MESSAGE') return { logEvents: 0 }; // the subscription's own check
    const spec = subscriptions.find((l) => l.logGroups.some((g) => logGroupPattern(g).test(data.logGroup)));
    if (!spec) throw new Error(`${context.name} has no log subscription for ${data.logGroup}`);
    logger.appendKeys({ logSubscription: spec.name });
    const records = (data.logEvents ?? []).map((e) => ({
      ...e,
      logGroup: data.logGroup,
      origin: internalOrigin(e.id, `logs/${spec.name}`),
    }));
    await logReaders[spec.name]!(records);
    return { logEvents: records.length };
  }

  const core = async (event: unknown): Promise<ScheduleResult | SQSBatchResponse | { logEvents: number }> =>
    isSqsEvent(event) ? runQueue(event) : isLogsEvent(event) ? runLogs(event) : runSchedule(event);

  return middy<unknown, ScheduleResult | SQSBatchResponse | { logEvents: number }, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(core);
}

function isLogsEvent(event: unknown): event is { awslogs: { data: string } } {
  return typeof (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data === 'string';
}

/** A declared log group name (`{region}`, `{account}` standing for any) as a pattern. */
export const logGroupPattern = (name: string) =>
  new RegExp(
    `^${name
      .split(/(\{region\}|\{account\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && (records[0] as SQSRecord).eventSource === 'aws:sqs';
}
