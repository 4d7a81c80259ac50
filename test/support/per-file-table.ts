import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ensureTable } from '../../scripts/local/engines';

/**
 * Each test file gets its own table (same definition as deployed), so files never see each
 * other's data. Runs before the file's modules are imported, so their config reads this env.
 */
const tableName = `centrum-test-${randomBytes(6).toString('hex')}`;
Object.assign(process.env, {
  TABLE_NAME: tableName,
  BUCKET_NAME: 'centrum-test-documents',
  DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
  S3_ENDPOINT: inject('s3Endpoint'),
  JWT_SECRET: randomBytes(32).toString('base64url'),
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  // E-mails are written to a folder of this file's own (test/support/outbox.ts reads them).
  MAIL_TRANSPORT: 'outbox',
  SMS_TRANSPORT: 'outbox',
  MAIL_OUTBOX_DIR: join(tmpdir(), `${tableName}-outbox`),
  APP_BASE_URL: 'https://app.centrum.test',
});
await ensureTable(inject('dynamodbEndpoint'), tableName);
