import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The local stand-in for SQS (`npm start`, `npm run job`, tests): in-process queues that deliver
 * batches to the very jobs handler that is deployed, as SQS events, with the behaviour SQS gives
 * the deployed worker — a message reported failed (partial batch response) comes back after its
 * visibility timeout (shortened locally) until `maxReceiveCount` deliveries, then goes to the
 * dead-letter queue; the others of its batch are not redelivered.
 */
export interface LocalConsumer {
  batchSize: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  deliver(event: SQSEvent): Promise<SQSBatchResponse | void>;
}

export interface DeadLetter {
  target: string;
  body: string;
  reason: string;
  at: string;
}

interface Message {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
}

interface Queue {
  messages: Message[];
  consumer?: LocalConsumer;
  busy?: Promise<void>;
}

/** Redeliveries wait at most this long locally (SQS waits the whole visibility timeout). */
const LOCAL_RETRY_DELAY_MS = 2000;

class LocalQueues {
  private readonly queues = new Map<string, Queue>();
  readonly deadLetters: DeadLetter[] = [];
  private deadLetterListeners: ((letter: DeadLetter) => void)[] = [];
  /** `npm start` delivers as messages arrive; tests and `npm run job` call drain() instead. */
  autoDeliver = false;

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = { messages: [] }));
    return queue;
  }

  register(name: string, consumer: LocalConsumer) {
    this.queue(name).consumer = consumer;
  }

  onDeadLetter(listener: (letter: DeadLetter) => void) {
    this.deadLetterListeners.push(listener);
  }

  async send(name: string, bodies: readonly string[]) {
    const now = Date.now();
    this.queue(name).messages.push(
      ...bodies.map((body) => ({ messageId: randomUUID(), body, receiveCount: 0, sentAt: now, visibleAt: now })),
    );
    if (this.autoDeliver) this.kick(name);
  }

  async deadLetter(target: string, body: string, reason: string) {
    const letter = { target, body, reason, at: new Date().toISOString() };
    this.deadLetters.push(letter);
    for (const listener of this.deadLetterListeners) listener(letter);
  }

  /** Messages waiting in a queue (visible or not). */
  depth(name: string) {
    return this.queue(name).messages.length;
  }

  /** Delivers until every queue is empty, without waiting for visibility timeouts. */
  async drain() {
    for (;;) {
      const waiting = [...this.queues.entries()].filter(([, q]) => q.consumer && q.messages.length > 0);
      if (waiting.length === 0) return;
      for (const [name] of waiting) await this.deliverBatch(name, Number.POSITIVE_INFINITY);
    }
  }

  /** Forgets every message and dead letter (tests). */
  reset() {
    for (const queue of this.queues.values()) queue.messages = [];
    this.deadLetters.length = 0;
  }

  private kick(name: string) {
    const queue = this.queue(name);
    if (queue.busy || !queue.consumer) return;
    queue.busy = (async () => {
      while (queue.messages.length > 0) {
        const next = Math.min(...queue.messages.map((m) => m.visibleAt));
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await this.deliverBatch(name, Date.now());
      }
    })().finally(() => {
      queue.busy = undefined;
      // A message sent while the loop was ending would otherwise wait for the next send.
      if (queue.messages.length > 0) this.kick(name);
    });
  }

  private async deliverBatch(name: string, now: number) {
    const queue = this.queue(name);
    const consumer = queue.consumer;
    if (!consumer) return;
    const batch = queue.messages.filter((m) => m.visibleAt <= now).slice(0, consumer.batchSize);
    if (batch.length === 0) return;
    queue.messages = queue.messages.filter((m) => !batch.includes(m));
    for (const message of batch) message.receiveCount += 1;
    let failedIds: Set<string>;
    try {
      const response = await consumer.deliver({ Records: batch.map((m) => record(name, m)) });
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(batch.map((m) => m.messageId)); // the whole invocation failed
    }
    const delay = Math.min(consumer.visibilityTimeoutSeconds * 1000, LOCAL_RETRY_DELAY_MS);
    for (const message of batch.filter((m) => failedIds.has(m.messageId))) {
      if (message.receiveCount >= consumer.maxReceiveCount) {
        await this.deadLetter(name, message.body, `failed ${message.receiveCount} deliveries (maxReceiveCount)`);
      } else {
        queue.messages.push({ ...message, visibleAt: Date.now() + delay });
      }
    }
  }
}

function record(queue: string, message: Message): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queue}`,
    awsRegion: 'local',
  };
}

/** The one set of local queues of this process. */
export const localQueues = new LocalQueues();
