import { defineConfig } from 'vitest/config';

/**
 * Two tiers (docs/decisions/0011-fast-tests.md):
 * - unit (`*.unit.test.ts`, `npm run test:unit`): no engine — pure rules, the pipelines, the
 *   OpenAPI checker, the import rules, the CDK stacks; seconds;
 * - integration (every other `*.test.ts`): against DynamoDB Local and the S3 server, started once per
 *   run (global setup), each test file on a table of its own (setup file).
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    env: {
      TZ: 'UTC',
      LOG_LEVEL: 'SILENT',
      CENTRUM_COUNT_REQUESTS: '1',
      AWS_REGION: 'eu-west-3',
      STAGE: 'test',
      // Cheap scrypt for the accounts tests create; test/identity/passwords.unit.test.ts keeps the real cost.
      CENTRUM_PASSWORD_HASH_COST: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // In-process queues, outbox e-mails and SMS, never SQS, SES or SNS.
      QUEUE_TRANSPORT: 'local',
      MAIL_TRANSPORT: 'outbox',
      SMS_TRANSPORT: 'outbox',
    },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          env: {
            TABLE_NAME: 'centrum-unit-no-table',
            JWT_SECRET: 'unit-tests-signing-key-unit-tests-signing-key',
            MAIL_OUTBOX_DIR: '.data/unit-test-outbox',
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/per-file-table.ts'],
        },
      },
    ],
  },
});
