import { createRequire } from 'node:module';
import type * as Sqs from '@aws-sdk/client-sqs';
import { config } from '#shared/config';
import { localQueues } from '#shared/jobs/local-queues';

/**
 * Where queue messages go: SQS when deployed, the in-process queues of the local stack otherwise
 * (`npm start`, `npm run job`, tests). Dead letters are written the same way: a message or a
 * scheduled event that can never succeed (invalid input) is sent to the dead-letter queue at once,
 * with its reason, rather than retried.
 */
export interface QueueTransport {
  send(queue: string, bodies: readonly string[]): Promise<void>;
  /** `target`: a queue name, or `jobs:<context>` for a scheduled event. */
  deadLetter(target: string, body: string, reason: string): Promise<void>;
}

type SqsModule = Pick<typeof Sqs, 'SQSClient' | 'SendMessageBatchCommand' | 'SendMessageCommand'>;

/** SQS; the client comes from the Lambda runtime's SDK when first needed (like SES, see infra/bundling.ts). */
export function sqsTransport(options: {
  region: string;
  urls: Record<string, { url: string; deadLetterUrl: string }>;
  jobsDeadLetterUrl: string | undefined;
  sdk?: () => SqsModule;
}): QueueTransport {
  const sdk = options.sdk ?? (() => createRequire(import.meta.url)('@aws-sdk/client-sqs') as SqsModule);
  let client: InstanceType<SqsModule['SQSClient']> | undefined;
  const urlOf = (queue: string) => {
    const url = options.urls[queue]?.url;
    if (!url) throw new Error(`No URL configured for queue ${queue} (CENTRUM_QUEUES)`);
    return url;
  };
  return {
    async send(queue, bodies) {
      const { SQSClient, SendMessageBatchCommand } = sdk();
      client ??= new SQSClient({ region: options.region });
      for (let i = 0; i < bodies.length; i += 10) {
        const entries = bodies.slice(i, i + 10).map((body, n) => ({ Id: String(i + n), MessageBody: body }));
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: urlOf(queue), Entries: entries }));
        if (out.Failed?.length) throw new Error(`${out.Failed.length} message(s) not accepted by ${queue}`);
      }
    },
    async deadLetter(target, body, reason) {
      const { SQSClient, SendMessageCommand } = sdk();
      client ??= new SQSClient({ region: options.region });
      const url = target.startsWith('jobs:') ? options.jobsDeadLetterUrl : options.urls[target]?.deadLetterUrl;
      if (!url) throw new Error(`No dead-letter queue configured for ${target}`);
      await client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
        }),
      );
    },
  };
}

let current: QueueTransport | undefined;

/** The transport of this runtime, chosen once from the configuration. */
export function queueTransport(): QueueTransport {
  current ??=
    config.queues.transport === 'sqs'
      ? sqsTransport({
          region: config.region,
          urls: config.queues.urls,
          jobsDeadLetterUrl: config.queues.jobsDeadLetterUrl,
        })
      : localQueues;
  return current;
}
