import type { z } from 'zod';
import type { Budget } from '#shared/db/budget';
import type { OperationSpec } from '#shared/http/operation';

/**
 * What a bounded context declares about itself, beside its code (`functions/<name>/context.ts`):
 * its HTTP operations, the function that serves them, and its background work — schedules
 * (EventBridge Scheduler) and queue workers (SQS) — served by a second function. The edge
 * (`functions/contexts.ts`) lists the contexts; CDK, the local stack, the OpenAPI document, CORS,
 * the bench and the tests all read them from there. Plain data and zod schemas only: no CDK types
 * (the declarations are bundled into functions), no service code.
 */

/** What a function may touch; each kind is one customer-managed policy of the data stack. */
export type DataAccess = 'table' | 'documents' | 'jwtSecret';

export interface FunctionSettings {
  memoryMb: number;
  timeoutSeconds: number;
  access: readonly DataAccess[];
  /** Sends e-mail through SES (gets the mail settings and the send permission). */
  sendsEmail?: boolean;
  /** Sends SMS through SNS (gets sns:Publish to phone numbers). */
  sendsSms?: boolean;
  /** Why this size (kept with the number, shown in the stack). */
  sizing: string;
}

/**
 * A schedule: EventBridge Scheduler in the cloud, a timer in `npm start`, `npm run job -- <name>`
 * by hand. The job gets the validated payload and the schedule's intended time as "now", so a late
 * or repeated run computes the same thing.
 */
export interface ScheduleSpec<P extends z.ZodType = z.ZodType> {
  /** kebab-case, unique across contexts. */
  name: string;
  description: string;
  /** EventBridge Scheduler syntax: `cron(min hour day-of-month month day-of-week year)` or `rate(n unit)`. */
  expression: string;
  /** IANA zone the cron expression is read in (DST-aware, in the cloud and locally). */
  timeZone: string;
  payload: P;
  /** The payload sent at each run (validated against `payload` when the contexts are composed). */
  input: z.input<P>;
  /** Scheduler's delivery retries, then its dead-letter queue. */
  retry: { maxAttempts: number; maxEventAgeSeconds: number };
  /** Most DynamoDB requests one run makes (checked by its tests, printed by the bench). */
  budget: Budget;
}

/**
 * A queue worker: SQS queue + dead-letter queue + alarms in the cloud, an in-process queue with the
 * same retry and dead-letter behaviour locally. Each message is validated; one that fails (invalid,
 * or its work throws) is reported alone, so its neighbours in the batch are not retried.
 */
export interface QueueSpec<M extends z.ZodType = z.ZodType> {
  /** kebab-case, unique across contexts. */
  name: string;
  description: string;
  message: M;
  /** Messages per invocation. */
  batchSize: number;
  /** How long SQS gathers a batch before invoking (0: at once). */
  maxBatchingWindowSeconds: number;
  /** At least 6 × the jobs function's timeout (AWS guidance), checked when composed. */
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Alarm when the oldest message waits longer than this (the queue is not keeping up). */
  maxMessageAgeSeconds: number;
  /** Alarm when more messages than this wait (its depth: a flood, or a worker stopped). */
  maxDepth: number;
  /** Which schedules of the context send to it (granted sqs:SendMessage). */
  producers: readonly string[];
  /** Most DynamoDB requests the worker makes per message (checked by its tests, printed by the bench). */
  budget: Budget;
  /** Why these numbers. */
  rationale: string;
}

/**
 * A CloudWatch Logs subscription: log events a service writes about our work (SNS's SMS
 * delivery-status logs), handed to the jobs function (a subscription filter in the cloud; `npm run
 * invoke` with a sample `awslogs` event locally). Log group names may hold `{region}` and `{account}`.
 */
export interface LogSubscriptionSpec {
  /** kebab-case, unique across contexts. */
  name: string;
  description: string;
  logGroups: readonly string[];
  /** CloudWatch Logs filter pattern ('' for every event). */
  filterPattern: string;
  /** Most DynamoDB requests per log event (checked by its tests, printed by the bench). */
  budget: Budget;
}

export interface ContextDefinition {
  /** kebab-case; also the function's name and the OpenAPI tag. */
  name: string;
  summary: string;
  routes: readonly OperationSpec[];
  /** The function serving `routes` (`functions/<name>/handler.ts`). */
  api?: FunctionSettings;
  /** The function serving schedules and queue workers (`functions/<name>/jobs.ts`). */
  jobs?: FunctionSettings & {
    schedules: readonly ScheduleSpec[];
    queues: readonly QueueSpec[];
    logSubscriptions?: readonly LogSubscriptionSpec[];
  };
}

export const defineContext = <const C extends ContextDefinition>(context: C): C => context;

/** Checks a schedule's input against its payload schema and keeps its literal name (for the jobs binding). */
export const defineSchedule = <const N extends string, P extends z.ZodType>(schedule: ScheduleSpec<P> & { name: N }) =>
  schedule;
/** Keeps a queue's literal name and message type (for the jobs binding). */
export const defineQueue = <const N extends string, M extends z.ZodType>(queue: QueueSpec<M> & { name: N }) => queue;
