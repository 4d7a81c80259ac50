import { defineContext, defineQueue, defineSchedule } from '#shared/context/definition';
import { remindersRoutes } from './routes';
import { dispatchPayloadSchema, providerEventSchema } from './schemas';

export const reminders = defineContext({
  name: 'reminders',
  summary: 'Appointment reminders by SMS and e-mail, exactly once, tracked end to end (N1, N2, M9)',
  routes: remindersRoutes,
  api: {
    memoryMb: 512,
    timeoutSeconds: 10,
    access: ['table', 'jwtSecret'],
    sizing: 'I/O-bound (DynamoDB); the link pages and previews are a few ms of CPU',
  },
  jobs: {
    memoryMb: 1024,
    timeoutSeconds: 300,
    access: ['table', 'jwtSecret'],
    sendsEmail: true,
    sendsSms: true,
    sizing:
      'the dispatcher sends up to 32 messages at once (SES, SNS) and holds a batch of 200 reminders with their context; 1024 MB for the network throughput; 300 s covers 10 000 reminders due at one popular time',
    schedules: [
      defineSchedule({
        name: 'reminders-dispatch',
        description:
          'Sends the reminders due since the last run (claim → send → record), within 10 minutes of their time',
        expression: 'rate(5 minutes)',
        timeZone: 'UTC',
        payload: dispatchPayloadSchema,
        input: { maxCatchUpHours: 24, batchSize: 200 },
        // A missed run is caught up by the next one (5 minutes later): no long retries.
        retry: { maxAttempts: 1, maxEventAgeSeconds: 240 },
        // The cursor (GetItem), one Query per hour read × 8 shards — 8 to 16 on a run 5 minutes
        // after the last, (maxCatchUpHours + 1) × 8 = 200 after an outage of a day or more —, the
        // cursor moved (PutItem). Each reminder sent adds its claim and record (UpdateItem 2, 3 for
        // an SMS with the per-phone count) and its share of one BatchGetItem per 100 keys of context
        // and of one BatchWriteItem per 25 audit records; each centre of a chunk of 64 claims (due
        // reminders are batched by centre) its SMS reservation and what it gives back (npm run
        // bench:reminders).
        budget: { GetItem: 1, Query: 200, PutItem: 1 },
      }),
    ],
    queues: [
      defineQueue({
        name: 'message-events',
        description: 'SES events of reminder e-mails (delivered, bounced, opened, clicked), from EventBridge',
        message: providerEventSchema,
        batchSize: 10,
        maxBatchingWindowSeconds: 5,
        visibilityTimeoutSeconds: 1800,
        maxReceiveCount: 5,
        maxMessageAgeSeconds: 900,
        maxDepth: 10_000,
        producers: [],
        // The message by our id (gsi2), its update; a failure adds the notice and the managers.
        budget: { Query: 2, UpdateItem: 1, PutItem: 1 },
        rationale:
          'events come in bursts after each dispatch (one or more per e-mail sent); 10 per batch, each one Query and one conditional update; 1800 s = 6 × the 300 s function timeout; 5 deliveries ride out the index lag of a message just recorded; 10 000 waiting is a dispatch of that size not being absorbed',
      }),
    ],
    logSubscriptions: [
      {
        name: 'sms-delivery-status',
        description: "SNS's SMS delivery-status logs (successes and failures): delivered, or failed and retried once",
        logGroups: [
          'sns/{region}/{account}/DirectPublishToPhoneNumber',
          'sns/{region}/{account}/DirectPublishToPhoneNumber/Failure',
        ],
        filterPattern: '',
        budget: { Query: 2, UpdateItem: 1, PutItem: 1 },
      },
    ],
  },
});
