/**
 * `npm run job -- <schedule-name> [--now <ISO-8601>]`: runs one declared schedule once, as if
 * EventBridge Scheduler fired it at `now` (default: this instant), through the deployed jobs
 * handler; then delivers the messages it queued to the queue workers (same handler, SQS's retry and
 * dead-letter behaviour) and prints what happened: the run's summary, the messages processed, the
 * dead letters and the e-mails written. Uses the engines of a running `npm start` when there is
 * one, else starts them on the same data (.data/).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDataDir } from './local/data-dir';
import { dynamoClient, type Engines, ensureTable, startEngines } from './local/engines';

const args = process.argv.slice(2).filter((a) => a !== '--');
const name = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--now');
const nowArg = args.includes('--now') ? args[args.indexOf('--now') + 1] : undefined;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const dataDir = localDataDir();
const envFile = resolve(dataDir, 'local-env.json');
let engines: Engines | undefined;

async function main() {
  const now = nowArg === undefined ? new Date() : new Date(nowArg);
  if (!name || Number.isNaN(now.getTime()) || (nowArg !== undefined && !/^\d{4}-\d{2}-\d{2}T/.test(nowArg))) {
    const { schedules } = await import('./local/jobs');
    console.error(
      `usage: npm run job -- <schedule-name> [--now <ISO-8601, e.g. 2026-12-02T08:00:00+01:00>]\nschedules: ${schedules.map((s) => `${s.schedule.name} (${s.context})`).join(', ')}`,
    );
    process.exit(2);
  }
  await useLocalEngines();
  const { findSchedule, loadJobHandlers, connectQueues, runSchedule } = await import('./local/jobs');
  if (!findSchedule(name)) {
    const { schedules } = await import('./local/jobs');
    console.error(`No schedule named "${name}". Declared: ${schedules.map((s) => s.schedule.name).join(', ')}`);
    process.exit(2);
  }
  const { localQueues } = await import('#shared/jobs/local-queues');
  const outbox = process.env.MAIL_OUTBOX_DIR!;
  const mailsBefore = new Set(existsSync(outbox) ? readdirSync(outbox) : []);
  const handlers = await loadJobHandlers();
  connectQueues(handlers);

  const result = await runSchedule(handlers, name, now);
  console.log(`${result.schedule} at ${result.scheduledTime}: ${result.outcome}`);
  for (const [key, value] of Object.entries(result.summary)) console.log(`  ${key}: ${JSON.stringify(value)}`);

  await localQueues.drain();
  for (const letter of localQueues.deadLetters)
    console.log(`dead letter (${letter.target}): ${letter.reason}\n  ${letter.body.slice(0, 300)}`);
  const mails = existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.json') && !mailsBefore.has(f)) : [];
  console.log(`messages written: ${mails.length}${mails.length ? ` (in ${outbox})` : ''}`);
  for (const file of mails.sort()) {
    const message = JSON.parse(readFileSync(resolve(outbox, file), 'utf8')) as {
      channel?: string;
      kind: string;
      subject?: string;
      text: string;
      recipient?: string;
    };
    const what = message.channel === 'sms' ? message.text.split('\n')[0]!.slice(0, 70) : message.subject;
    console.log(`  ${message.channel ?? 'email'} ${message.kind} → ${message.recipient ?? ''}: ${what}  (${file})`);
  }
}

/** The running stack's engines (npm start), or ours on the same data directory. */
async function useLocalEngines() {
  if (existsSync(envFile)) {
    const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    const answering = await dynamoClient(env.DYNAMODB_ENDPOINT!)
      .send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1500) })
      .then(() => true)
      .catch(() => false);
    if (answering) {
      Object.assign(process.env, env, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN' });
      console.log('(on the engines of the running npm start)');
      return;
    }
  }
  mkdirSync(dataDir, { recursive: true });
  engines = await startEngines({ dataDir });
  const secrets = resolve(dataDir, 'secrets.json');
  Object.assign(process.env, {
    STAGE: 'local',
    TABLE_NAME: 'centrum-local',
    BUCKET_NAME: 'centrum-local-documents',
    DYNAMODB_ENDPOINT: engines.dynamodbEndpoint,
    S3_ENDPOINT: engines.s3Endpoint,
    AWS_REGION: 'eu-west-3',
    JWT_SECRET: existsSync(secrets)
      ? (JSON.parse(readFileSync(secrets, 'utf8')) as { jwtSecret: string }).jwtSecret
      : 'x'.repeat(48),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    MAIL_TRANSPORT: 'outbox',
    MAIL_OUTBOX_DIR: resolve(dataDir, 'outbox'),
    SMS_TRANSPORT: 'outbox',
  });
  await ensureTable(engines.dynamodbEndpoint, 'centrum-local');
  console.log(`(engines started on ${dataDir})`);
}

main()
  .catch((error: unknown) => {
    console.error(`npm run job failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await engines?.stop();
    // The SDK's keep-alive sockets would keep the process alive.
    process.exit(process.exitCode ?? 0);
  });
