import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { defineContext, defineQueue, defineSchedule } from '#shared/context/definition';
import { localQueues } from '#shared/jobs/local-queues';
import { createJobsHandler, type ScheduledEvent } from '#shared/jobs/pipeline';
import { lambdaContext } from '../../scripts/local/http-adapter';

/**
 * Contract tests of the background entries (shared/jobs/pipeline.ts) on a context of their own:
 * a schedule delivered twice, invalid payloads, a batch with one poisoned message and one failing
 * message, through the in-process queues that stand in for SQS.
 */
const testContext = defineContext({
  name: 'jobs-contract',
  summary: 'Contract tests of scheduled and queued entries',
  routes: [],
  jobs: {
    memoryMb: 256,
    timeoutSeconds: 10,
    access: [],
    sizing: 'tests',
    schedules: [
      defineSchedule({
        name: 'contract-tick',
        description: 'A schedule of the contract tests',
        expression: 'rate(5 minutes)',
        timeZone: 'Europe/Brussels',
        payload: z.strictObject({ batch: z.number().int().min(1) }),
        input: { batch: 2 },
        retry: { maxAttempts: 2, maxEventAgeSeconds: 3600 },
        budget: {},
      }),
    ],
    queues: [
      defineQueue({
        name: 'contract-work',
        description: 'A queue of the contract tests',
        message: z.strictObject({ n: z.number().int() }),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 3,
        maxMessageAgeSeconds: 600,
        maxDepth: 100,
        producers: ['contract-tick'],
        budget: {},
        rationale: 'tests',
      }),
    ],
  },
});

const runs: { payload: unknown; now: string }[] = [];
const processed: number[] = [];
const handler = createJobsHandler(testContext, {
  schedules: {
    'contract-tick': async ({ payload, now, enqueue }) => {
      runs.push({ payload, now: now.toISOString() });
      // The same messages for the same intended time: a repeated run computes the same thing.
      const minute = now.getUTCMinutes();
      await enqueue(
        'contract-work',
        Array.from({ length: payload.batch }, (_, i) => ({ n: minute * 100 + i })),
      );
      return { queued: payload.batch };
    },
  },
  workers: {
    'contract-work': async ({ message }) => {
      if (message.n === 13) throw new Error('this one always fails');
      processed.push(message.n);
    },
  },
});
const invoke = (event: unknown) => handler(event, lambdaContext('centrum-jobs-contract-jobs', 'req'));

localQueues.register('contract-work', {
  batchSize: 10,
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 60,
  deliver: (event) => invoke(event) as never,
});

const tick = (scheduledTime: string, payload: unknown = { batch: 2 }): ScheduledEvent => ({
  source: 'centrum.schedule',
  schedule: 'contract-tick',
  scheduledTime,
  executionId: `exec-${scheduledTime}`,
  payload,
});

function sqsRecord(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-3:000000000000:centrum-test-contract-work',
    awsRegion: 'eu-west-3',
  };
}

afterEach(() => {
  runs.length = 0;
  processed.length = 0;
  localQueues.reset();
});

describe('a scheduled entry', () => {
  it("gets the validated payload and the schedule's intended time as now, whenever it runs", async () => {
    const result = await invoke(tick('2026-12-02T07:00:00.000Z'));

    expect(result).toEqual({
      schedule: 'contract-tick',
      scheduledTime: '2026-12-02T07:00:00.000Z',
      outcome: 'done',
      summary: { queued: 2 },
    });
    expect(runs).toEqual([{ payload: { batch: 2 }, now: '2026-12-02T07:00:00.000Z' }]);
  });

  it('computes the same thing when the same event is delivered twice', async () => {
    await invoke(tick('2026-12-02T07:05:00.000Z'));
    await invoke(tick('2026-12-02T07:05:00.000Z'));
    await localQueues.drain();

    expect(runs.map((r) => r.now)).toEqual(['2026-12-02T07:05:00.000Z', '2026-12-02T07:05:00.000Z']);
    expect(processed.sort()).toEqual([500, 500, 501, 501]);
  });

  it('sends an event with an invalid payload to the dead-letter queue with its reason, without running the job', async () => {
    const result = await invoke(tick('2026-12-02T07:10:00.000Z', { batch: 'two' }));

    expect(result).toMatchObject({ outcome: 'dead-lettered' });
    expect(runs).toEqual([]);
    expect(localQueues.deadLetters).toEqual([
      expect.objectContaining({
        target: 'jobs:jobs-contract',
        reason: expect.stringMatching(/invalid payload.*batch/s),
      }),
    ]);
  });

  it('dead-letters an event that names no schedule of the context, or is no scheduled event at all', async () => {
    await invoke({ ...tick('2026-12-02T07:15:00.000Z'), schedule: 'nope' });
    await invoke({ hello: 'world' });

    expect(runs).toEqual([]);
    expect(localQueues.deadLetters.map((l) => l.reason)).toEqual([
      'unknown schedule nope',
      expect.stringMatching(/^not a scheduled event/),
    ]);
  });
});

describe('a queued entry', () => {
  it('processes a batch with one poisoned message: the poison goes to the dead-letter queue at once, its neighbours once', async () => {
    const event: SQSEvent = {
      Records: [
        sqsRecord('{"n":1}', 'a'),
        sqsRecord('{"n":"not a number"}', 'poison'),
        sqsRecord('not json at all', 'garbage'),
        sqsRecord('{"n":2}', 'b'),
      ],
    };

    const response = await invoke(event);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(processed).toEqual([1, 2]);
    expect(localQueues.deadLetters.map((l) => [l.target, l.body, l.reason.split(':')[0]])).toEqual([
      ['contract-work', '{"n":"not a number"}', 'invalid message'],
      ['contract-work', 'not json at all', 'invalid message'],
    ]);
  });

  it('reports a failing message alone, so SQS redelivers it and not its neighbours, until the dead-letter queue', async () => {
    await localQueues.send('contract-work', ['{"n":7}', '{"n":13}', '{"n":8}']);

    await localQueues.drain();

    expect(processed.sort()).toEqual([7, 8]);
    expect(localQueues.deadLetters).toEqual([
      expect.objectContaining({
        target: 'contract-work',
        body: '{"n":13}',
        reason: expect.stringMatching(/3 deliveries/),
      }),
    ]);
  });

  it('answers the failing message in the partial batch response of one delivery', async () => {
    const response = await invoke({ Records: [sqsRecord('{"n":13}', 'bad'), sqsRecord('{"n":3}', 'good')] });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(processed).toEqual([3]);
  });

  it('refuses a batch from a queue the context has no worker for', async () => {
    const stray = {
      Records: [{ ...sqsRecord('{"n":1}', 'x'), eventSourceARN: 'arn:aws:sqs:eu-west-3:0:centrum-test-other' }],
    };

    await expect(invoke(stray)).rejects.toThrow(/no worker/);
  });
});

describe('building the background entry', () => {
  it('refuses an implementation that misses a declared schedule or queue, or names an undeclared one', () => {
    const log = vi.fn();

    expect(() => createJobsHandler(testContext, { schedules: {}, workers: { 'contract-work': log } } as never)).toThrow(
      /contract-tick has no implementation/,
    );
    expect(() =>
      createJobsHandler(testContext, {
        schedules: { 'contract-tick': log, other: log },
        workers: { 'contract-work': log },
      } as never),
    ).toThrow(/other is not declared/);
  });

  it('refuses a message for a queue the job does not produce to, before anything is sent', async () => {
    const sneaky = createJobsHandler(testContext, {
      schedules: {
        'contract-tick': async ({ enqueue }) => {
          await enqueue('someone-elses-queue', [{ n: 1 }]);
          return {};
        },
      },
      workers: { 'contract-work': async () => undefined },
    });

    await expect(sneaky(tick('2026-12-02T07:20:00.000Z'), lambdaContext('x', 'y'))).rejects.toThrow(
      /may not send to someone-elses-queue/,
    );
  });
});
