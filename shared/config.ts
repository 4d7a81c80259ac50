/**
 * Runtime configuration, read once per cold start from the environment. The same variables are
 * set by CDK when deployed and by scripts/start.ts (or the test harness) locally.
 */
export interface RuntimeConfig {
  stage: string;
  tableName: string;
  bucketName: string;
  /** Local engines only: DynamoDB Local / S3 server endpoints. Unset when deployed. */
  dynamodbEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  region: string;
  /** Local only: the JWT signing secret itself. Deployed: read from Secrets Manager (jwtSecretArn). */
  jwtSecret: string | undefined;
  jwtSecretArn: string | undefined;
  /** Count DynamoDB requests per API call (tests and benchmarks). */
  countRequests: boolean;
  /**
   * `test`: hash passwords at a low cost, honoured only when the stage is `test` (the test suite);
   * every other stage hashes at the production cost whatever this says.
   */
  passwordHashCost: 'production' | 'test';
  /** Front-end address used in links sent by e-mail (invitations). */
  appBaseUrl: string;
  /** The API's public address, for links a job writes into messages (reminders' confirm / cancel links). */
  apiBaseUrl: string;
  mail: {
    /** `ses` when deployed; `outbox` (JSON files in outboxDir) locally and in tests. */
    transport: 'ses' | 'outbox';
    from: string;
    configurationSet: string | undefined;
    outboxDir: string;
  };
  sms: {
    /** `sns` when deployed; `outbox` (JSON files in outboxDir) locally and in tests. */
    transport: 'sns' | 'outbox';
    /** By default the e-mails' outbox folder: both channels land in `.data/outbox/` locally. */
    outboxDir: string;
  };
  queues: {
    /** `sqs` when deployed; `local` (in-process queues, shared/jobs/local-queues.ts) locally and in tests. */
    transport: 'sqs' | 'local';
    /** Deployed: each queue's URL and its dead-letter queue's (CENTRUM_QUEUES, JSON, set by CDK). */
    urls: Record<string, { url: string; deadLetterUrl: string }>;
    /** Deployed: where scheduled events with invalid input go (the jobs function's dead-letter queue). */
    jobsDeadLetterUrl: string | undefined;
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const mailOutboxDir = env.MAIL_OUTBOX_DIR ?? '.data/outbox';
  return {
    stage: env.STAGE ?? 'dev',
    tableName: env.TABLE_NAME ?? 'centrum',
    bucketName: env.BUCKET_NAME ?? 'centrum-documents',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'eu-west-3',
    jwtSecret: env.JWT_SECRET || undefined,
    jwtSecretArn: env.JWT_SECRET_ARN || undefined,
    countRequests: env.CENTRUM_COUNT_REQUESTS === '1',
    passwordHashCost: env.CENTRUM_PASSWORD_HASH_COST === 'test' ? 'test' : 'production',
    appBaseUrl: (env.APP_BASE_URL ?? 'http://localhost:5173').replace(/\/+$/, ''),
    apiBaseUrl: (env.API_BASE_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, ''),
    mail: {
      transport: (env.MAIL_TRANSPORT ?? (env.DYNAMODB_ENDPOINT ? 'outbox' : 'ses')) === 'ses' ? 'ses' : 'outbox',
      from: env.MAIL_FROM ?? 'Centrum <no-reply@centrum.local>',
      configurationSet: env.MAIL_CONFIGURATION_SET || undefined,
      outboxDir: mailOutboxDir,
    },
    sms: {
      transport: (env.SMS_TRANSPORT ?? (env.DYNAMODB_ENDPOINT ? 'outbox' : 'sns')) === 'sns' ? 'sns' : 'outbox',
      outboxDir: env.SMS_OUTBOX_DIR ?? mailOutboxDir,
    },
    queues: {
      transport: (env.QUEUE_TRANSPORT ?? (env.DYNAMODB_ENDPOINT ? 'local' : 'sqs')) === 'sqs' ? 'sqs' : 'local',
      urls: env.CENTRUM_QUEUES ? (JSON.parse(env.CENTRUM_QUEUES) as RuntimeConfig['queues']['urls']) : {},
      jobsDeadLetterUrl: env.JOBS_DEAD_LETTER_URL || undefined,
    },
  };
}

export const config = readConfig();
