/**
 * `npm start`: the Centrum API on http://localhost:3000 (PORT overrides), on real engines
 * (DynamoDB Local and an S3-protocol server) with data kept under .data/ (`npm start -- --fresh`
 * wipes it), seeded with a demo centre. Ctrl-C stops everything, and so does any failure once the
 * engines run: DynamoDB Local is a Java process that would otherwise outlive us.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { relative, resolve } from 'node:path';
import { localDataDir } from './local/data-dir';
import { assertJava, type Engines, ensureBucket, ensureTable, startEngines } from './local/engines';
import type { SeedResult } from './local/seed';

const dataDir = localDataDir();
const port = Number(process.env.PORT ?? 3000);
const started = Date.now();

let engines: Promise<Engines> | undefined;
let server: Server | undefined;
let stopTimers: (() => void) | undefined;
let stopping = false;

/**
 * Stops what runs (the server, then the engines, even if they are still starting) and exits;
 * only the first call does anything.
 */
async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  stopTimers?.();
  if (server?.listening) {
    server.closeAllConnections();
    await new Promise((r) => server?.close(r));
  }
  const running = await engines?.catch(() => undefined); // a failed start cleans up after itself
  await running?.stop().catch((error: unknown) => console.error('could not stop the engines:', error));
  process.exit(exitCode);
}

async function main() {
  // Lambda runs Node 22; the SDK's notice about Node 20 support ending is noise locally (set before
  // the engines' own SDK clients are made).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  assertJava();
  if (process.argv.includes('--fresh')) {
    rmSync(dataDir, { recursive: true, force: true });
    console.log('--fresh: local data wiped');
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = localSecrets();

  engines = startEngines({ dataDir });
  const { dynamodbEndpoint, s3Endpoint } = await engines;
  // Whatever fails from here on (seed, port, a stray rejection), the engines go down with us.
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  const tableName = 'centrum-local';
  const bucketName = 'centrum-local-documents';
  Object.assign(process.env, {
    STAGE: 'local',
    TABLE_NAME: tableName,
    BUCKET_NAME: bucketName,
    DYNAMODB_ENDPOINT: dynamodbEndpoint,
    S3_ENDPOINT: s3Endpoint,
    AWS_REGION: 'eu-west-3',
    JWT_SECRET: secrets.jwtSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    // E-mails are written to files instead of being sent (shared/messaging/mailer.ts).
    MAIL_TRANSPORT: 'outbox',
    MAIL_OUTBOX_DIR: resolve(dataDir, 'outbox'),
    // SMS too: one JSON file per message in the same outbox (shared/messaging/sms.ts).
    SMS_TRANSPORT: 'outbox',
    // Links written into reminders point at this API.
    API_BASE_URL: process.env.API_BASE_URL ?? `http://localhost:${port}`,
    APP_BASE_URL: process.env.APP_BASE_URL ?? 'http://localhost:5173',
    // Queue messages go to in-process queues (shared/jobs/local-queues.ts), not SQS.
    QUEUE_TRANSPORT: 'local',
  });
  // `npm run invoke` reuses these to run sample events against this stack.
  const localEnv = [
    'STAGE',
    'TABLE_NAME',
    'BUCKET_NAME',
    'DYNAMODB_ENDPOINT',
    'S3_ENDPOINT',
    'AWS_REGION',
    'JWT_SECRET',
    'LOG_LEVEL',
    'MAIL_TRANSPORT',
    'MAIL_OUTBOX_DIR',
    'SMS_TRANSPORT',
    'APP_BASE_URL',
    'API_BASE_URL',
    'QUEUE_TRANSPORT',
  ];
  writeFileSync(
    resolve(dataDir, 'local-env.json'),
    JSON.stringify(Object.fromEntries(localEnv.map((k) => [k, process.env[k]])), null, 2),
    { mode: 0o600 },
  );
  await ensureTable(dynamodbEndpoint, tableName);
  await ensureBucket(s3Endpoint, bucketName);

  const { createLocalServer, loadHandlers } = await import('./local/http-adapter');
  const { seedDemo, DEMO } = await import('./local/seed');
  const { currentTotp } = await import('#functions/identity/totp');
  const seed = await seedDemo();
  if (seed.managerTotpSecret)
    writeFileSync(
      resolve(dataDir, 'demo.json'),
      JSON.stringify({ managerTotpSecret: seed.managerTotpSecret }, null, 2),
    );

  const { parseOrigins } = await import('#shared/http/cors');
  // Browser front ends in development (Vite's default port); CORS_ALLOWED_ORIGINS overrides.
  const allowedOrigins = parseOrigins(process.env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173');
  const listening = createLocalServer(await loadHandlers(), { allowedOrigins });
  server = listening;
  await new Promise<void>((ok, refuse) => {
    listening.once('error', refuse);
    listening.listen(port, () => ok());
  });
  const background = await startBackgroundWork();
  const url = `http://localhost:${port}`;
  console.log(`
Centrum API ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (${seedSummary(seed)})
  API docs      ${url}/docs   (OpenAPI: ${url}/openapi.json)
  Health        ${url}/health
  CORS origins  ${allowedOrigins.join(', ') || 'none'}   (CORS_ALLOWED_ORIGINS to change)
  Engines       DynamoDB Local ${dynamodbEndpoint}, S3 server ${s3Endpoint}; data in ${relative(process.cwd(), dataDir) || '.'}/
  E-mails, SMS  not sent: written to ${relative(process.cwd(), resolve(dataDir, 'outbox'))}/ (invitation links, appointment reminders)
${background}

Demo sign-in (password for all: ${DEMO.password})
  manager       ${DEMO.manager.email}   (TOTP required: current code ${seed.managerTotpSecret ? currentTotp(seed.managerTotpSecret) : '?'}; any time: npm run totp)
  practitioner  ${DEMO.practitioner.email}   (and ${DEMO.practitioner2.email})
  secretary     ${DEMO.secretary.email}   (serves the first practitioner)
  Agenda        a full week is booked: GET ${url}/agenda/days/<yyyy-mm-dd> as any of them (README: "The agenda")
  Reminders     planned for each booking, sent every 5 minutes when due: GET ${url}/appointments/<id>/messages (README: "Reminders")
  curl -s ${url}/auth/sign-in -H 'content-type: application/json' -d '{"email":"${DEMO.practitioner.email}","password":"${DEMO.password}"}'

Ctrl-C stops the API and the engines.`);
}

/**
 * The schedules fire on their cadence and the queue workers take messages as they arrive, through
 * the deployed jobs handlers (scripts/local/jobs.ts); dead letters are printed and kept in
 * .data/dead-letters.jsonl.
 */
async function startBackgroundWork() {
  const { connectQueues, loadJobHandlers, nextRun, queues, schedules, startTimers } = await import('./local/jobs');
  const { localQueues } = await import('#shared/jobs/local-queues');
  const handlers = await loadJobHandlers();
  connectQueues(handlers);
  localQueues.autoDeliver = true;
  localQueues.onDeadLetter((letter) => {
    console.error(`dead letter (${letter.target}): ${letter.reason}`);
    appendFileSync(resolve(dataDir, 'dead-letters.jsonl'), `${JSON.stringify(letter)}\n`, { mode: 0o600 });
  });
  stopTimers = startTimers(handlers, (result, schedule) => {
    if (result instanceof Error) console.error(`schedule ${schedule} failed: ${result.message}`);
    else console.log(`schedule ${schedule} ran (${result.scheduledTime}): ${JSON.stringify(result.summary)}`);
  });
  const lines = schedules.map(({ schedule }) => {
    const next = nextRun(schedule);
    return `  Schedule      ${schedule.name}  ${schedule.expression} ${schedule.timeZone}${next ? `, next ${next.toISOString()}` : ''}   (now: npm run job -- ${schedule.name})`;
  });
  lines.push(
    ...queues.map(
      ({ queue }) =>
        `  Queue         ${queue.name} → its worker, in process (dead letters: ${relative(process.cwd(), resolve(dataDir, 'dead-letters.jsonl'))})`,
    ),
  );
  return lines.join('\n');
}

function seedSummary(seed: SeedResult) {
  if (!seed.created) return 'demo centre already there';
  if (seed.steps.includes('manager and centre')) return 'demo centre created';
  return `demo centre completed: ${seed.steps.join(', ')}`;
}

function onSignal() {
  if (!stopping) console.log('\nstopping…');
  void shutdown(0);
}

function fail(error: unknown) {
  if (!stopping) console.error(failureMessage(error));
  void shutdown(1);
}

function failureMessage(error: unknown) {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `npm start failed: port ${port} is in use; PORT=${port + 1} npm start`;
  if (code === 'EACCES') return `npm start failed: port ${port} needs privileges; PORT=3000 npm start`;
  if (error instanceof Error && error.message.startsWith('Java is required')) return error.message;
  return `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

function localSecrets(): { jwtSecret: string } {
  const file = resolve(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { jwtSecret: randomBytes(48).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

main().catch(fail);
