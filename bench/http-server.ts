/**
 * Part 4 (child process): serves GET /patients/{id} twice, on two random ports of 127.0.0.1:
 * - "ours": the real local adapter (createLocalServer + loadHandlers → the deployed handler);
 * - "reference": a bare node:http server making the same DynamoDB requests raw (one consistent
 *   GetItem of the patient item, one PutItem of an audit item) with @aws-sdk/lib-dynamodb, without
 *   middleware, validation, auth or routing.
 * Builds a world first, then prints one `BENCH_READY {json}` line (ports, token, patient id) and
 * serves until it is terminated. Request counting is OFF here. Answers the IPC message `cpu` with
 * its process.cpuUsage().
 */
import { keyAttributes } from '#shared/db/table-definition';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import { useLocalEngineEnv } from './lib';

delete process.env.CENTRUM_COUNT_REQUESTS;
const endpoint = useLocalEngineEnv('centrum-bench-http');
const tableName = process.env.TABLE_NAME!;

// Only now: every #shared module reads its configuration at import time.
const { ensureTable } = await import('../scripts/local/engines');
await ensureTable(endpoint, tableName);
const { createLocalServer, loadHandlers } = await import('../scripts/local/http-adapter');
// The keys of the single table, as the handlers build them (the same key module; no SDK wrapper).
const { keys } = await import('#shared/db/keys');
const { buildCentre } = await import('../test/support/world');

const world = await buildCentre('Bench HTTP centre');
const actor = world.practitioner.actor;
const patientId = world.patientId;

/** The reference: the same two requests, raw (keys from shared/db/keys.ts, item as in shared/audit/audit.ts). */
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const newEventId = monotonicFactory();
const KEY_ATTRIBUTES = new Set(keyAttributes);

const reference = createServer(async (req, res) => {
  try {
    const match = /^\/patients\/([^/?]+)/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match?.[1]) {
      res.writeHead(404).end();
      return;
    }
    const id = decodeURIComponent(match[1]);
    const out = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.patient(actor.centreId, id),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) {
      res.writeHead(404).end();
      return;
    }
    const eventId = newEventId();
    const requestId = randomUUID();
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.patientAudit(actor.centreId, id, eventId),
          ...keys.userAuditIndex(actor.centreId, actor.userId, eventId),
          entity: 'AuditEvent',
          eventId,
          centreId: actor.centreId,
          at: new Date().toISOString(),
          actorId: actor.userId,
          actorRole: actor.role,
          requestId,
          sourceIp: req.socket.remoteAddress ?? 'unknown',
          userAgent: req.headers['user-agent'] ?? '',
          action: 'patient.read',
          patientId: id,
        },
      }),
    );
    const patient = Object.fromEntries(Object.entries(out.Item).filter(([k]) => !KEY_ATTRIBUTES.has(k)));
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
    res.end(JSON.stringify(patient));
  } catch (error) {
    console.error('reference handler failed', error);
    res.writeHead(500).end();
  }
});

const ours = createLocalServer(await loadHandlers());

const listen = (server: Server) =>
  new Promise<number>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      ok(typeof address === 'object' && address ? address.port : 0);
    });
  });

const ready = {
  oursPort: await listen(ours),
  referencePort: await listen(reference),
  token: world.practitioner.token,
  patientId,
};
console.log(`BENCH_READY ${JSON.stringify(ready)}`);

// The parent asks for this process's CPU time around each measurement (CPU per request).
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});

const stop = () => {
  ours.close();
  reference.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
