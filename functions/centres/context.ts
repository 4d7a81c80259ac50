import { defineContext, defineQueue, defineSchedule } from '#shared/context/definition';
import { centresRoutes } from './routes';
import { expiredInvitationSchema, expiryPayloadSchema } from './schemas';

export const centres = defineContext({
  name: 'centres',
  summary: 'Sign-up, centre profile, staff and their rights, invitations, licences (P1, P2, P3)',
  routes: centresRoutes,
  api: {
    memoryMb: 1024,
    timeoutSeconds: 15,
    access: ['table', 'jwtSecret'],
    sendsEmail: true,
    sizing:
      'sign-up and joining by invitation hash or check a password with scrypt (128 MiB, CPU-bound): 1024 MB like identity; 15 s covers a cold start and a hash',
  },
  jobs: {
    memoryMb: 512,
    timeoutSeconds: 60,
    access: ['table'],
    sendsEmail: true,
    sizing: 'I/O-bound (DynamoDB queries, one SES call per notice); 60 s covers a day of expiries across centres',
    schedules: [
      defineSchedule({
        name: 'invitation-expiry',
        description: 'Tells inviters, once, about invitations that expired unaccepted (queues one notice each)',
        expression: 'cron(0 8 * * ? *)',
        timeZone: 'Europe/Brussels',
        payload: expiryPayloadSchema,
        input: { lookbackDays: 7 },
        retry: { maxAttempts: 3, maxEventAgeSeconds: 6 * 3600 },
        // One Query per day looked back (and today), each a day's expiries in one page of up to
        // 1 000 (platform-wide); a busier day pages on, one more Query per 1 000.
        budget: { Query: 8 },
      }),
    ],
    queues: [
      defineQueue({
        name: 'invitation-expired',
        description: 'One expired invitation per message: e-mail its inviter (or the managers) once',
        message: expiredInvitationSchema,
        batchSize: 10,
        maxBatchingWindowSeconds: 5,
        visibilityTimeoutSeconds: 360,
        maxReceiveCount: 5,
        maxMessageAgeSeconds: 3600,
        maxDepth: 1000,
        producers: ['invitation-expiry'],
        // The invitation, the claim, the centre (language), the inviter's membership (or the managers).
        budget: { GetItem: 3, UpdateItem: 1, Query: 1 },
        rationale:
          'a notice is one read, one conditional write and one e-mail: 10 per batch keeps an invocation short; 360 s = 6 × the 60 s function timeout (AWS guidance); 5 deliveries ride out an SES outage of a few minutes before the dead-letter queue; a day of expiries is tens of messages, so 1 000 waiting means something is wrong',
      }),
    ],
  },
});
