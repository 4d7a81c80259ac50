/**
 * `npm start`: the Centrum API on http://localhost:3000 (PORT overrides), on real engines
 * (DynamoDB Local and an S3-protocol server) with data kept under .data/ (`npm start -- --fresh`
 * wipes it), seeded with a demo centre. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertJava, ensureBucket, ensureTable, startEngines } from './local/engines';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, '.data');
const port = Number(process.env.PORT ?? 3000);
const started = Date.now();

async function main() {
  try {
    assertJava();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  if (process.argv.includes('--fresh')) {
    rmSync(dataDir, { recursive: true, force: true });
    console.log('--fresh: local data wiped');
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = localSecrets();

  const engines = await startEngines({ dataDir });
  const tableName = 'centrum-local';
  const bucketName = 'centrum-local-documents';
  Object.assign(process.env, {
    STAGE: 'local',
    TABLE_NAME: tableName,
    BUCKET_NAME: bucketName,
    DYNAMODB_ENDPOINT: engines.dynamodbEndpoint,
    S3_ENDPOINT: engines.s3Endpoint,
    AWS_REGION: 'eu-west-3',
    JWT_SECRET: secrets.jwtSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    // Lambda runs Node 22; the SDK's notice about Node 20 support ending is noise locally.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
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
  ];
  writeFileSync(
    resolve(dataDir, 'local-env.json'),
    JSON.stringify(Object.fromEntries(localEnv.map((k) => [k, process.env[k]])), null, 2),
    { mode: 0o600 },
  );
  await ensureTable(engines.dynamodbEndpoint, tableName);
  await ensureBucket(engines.s3Endpoint, bucketName);

  const { createLocalServer, loadHandlers } = await import('./local/http-adapter');
  const { seedDemo, DEMO } = await import('./local/seed');
  const { currentTotp } = await import('#shared/identity/totp');
  const seed = await seedDemo();
  if (seed.managerTotpSecret)
    writeFileSync(
      resolve(dataDir, 'demo.json'),
      JSON.stringify({ managerTotpSecret: seed.managerTotpSecret }, null, 2),
    );

  const { parseOrigins } = await import('#shared/http/cors');
  // Browser front ends in development (Vite's default port); CORS_ALLOWED_ORIGINS overrides.
  const allowedOrigins = parseOrigins(process.env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173');
  const server = createLocalServer(await loadHandlers(), { allowedOrigins });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, () => ok());
  });
  const url = `http://localhost:${port}`;
  console.log(`
Centrum API ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (${seed.created ? 'demo centre created' : 'demo centre already there'})
  API docs      ${url}/docs   (OpenAPI: ${url}/openapi.json)
  Health        ${url}/health
  CORS origins  ${allowedOrigins.join(', ') || 'none'}   (CORS_ALLOWED_ORIGINS to change)
  Engines       DynamoDB Local ${engines.dynamodbEndpoint}, S3 server ${engines.s3Endpoint}; data in .data/

Demo sign-in (password for all: ${DEMO.password})
  manager       ${DEMO.manager.email}   (TOTP required: current code ${seed.managerTotpSecret ? currentTotp(seed.managerTotpSecret) : '?'}; any time: npm run totp)
  practitioner  ${DEMO.practitioner.email}
  secretary     ${DEMO.secretary.email}
  curl -s ${url}/auth/sign-in -H 'content-type: application/json' -d '{"email":"${DEMO.practitioner.email}","password":"${DEMO.password}"}'

Ctrl-C stops the API and the engines.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await engines.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function localSecrets(): { jwtSecret: string } {
  const file = resolve(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { jwtSecret: randomBytes(48).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

main().catch((error) => {
  console.error('npm start failed:', error);
  process.exit(1);
});
