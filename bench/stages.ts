/**
 * Part 4c (child process): where our pipeline spends its CPU for one GET /patients/{id}, stage by
 * stage, besides the two DynamoDB requests it shares with the reference server: building the API
 * Gateway event (the local adapter; API Gateway when deployed), matching the route, checking the
 * token (after the first verification) and its revocation (an in-memory copy), validating the path, middy with the Powertools logger
 * context, the one log line, and serialising the answer. Each stage is timed alone over many
 * iterations (median of 5 batches), in microseconds per request.
 */
import { randomBytes } from 'node:crypto';
import { median, round, writeChildResult } from './lib';

Object.assign(process.env, {
  LOG_LEVEL: 'SILENT',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  TABLE_NAME: 'centrum-bench-stages',
  AWS_REGION: 'eu-west-3',
  STAGE: 'bench',
});
const { default: middy } = await import('@middy/core');
const { injectLambdaContext } = await import('@aws-lambda-powertools/logger/middleware');
const { api } = await import('#functions/contexts');
const { patientsRoutes } = await import('#functions/patients/routes');
const { issueAccessToken, verifyAccessToken } = await import('#functions/identity/tokens');
const { bearerAuthentication } = await import('#functions/identity/authenticate');
const { createRouteMatcher } = await import('#shared/http/route-match');
const { logger } = await import('#shared/logger');
const { newId } = await import('#shared/ids');
const { lambdaContext, toEvent } = await import('../scripts/local/http-adapter');

export interface StageResult {
  stage: string;
  microseconds: number;
}

const patientId = newId();
const token = await issueAccessToken({
  userId: newId(),
  centreId: newId(),
  role: 'practitioner',
  servedPractitionerIds: [],
  sessionId: newId(),
});
await verifyAccessToken(token);
const raw = {
  method: 'GET',
  url: `/patients/${patientId}`,
  headers: { authorization: `Bearer ${token}`, 'user-agent': 'bench', host: '127.0.0.1', connection: 'keep-alive' },
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
};
// The revocation list is read from the engine once (then every 30 s): the table must exist.
if (process.env.DYNAMODB_ENDPOINT) {
  const { ensureTable } = await import('../scripts/local/engines');
  await ensureTable(process.env.DYNAMODB_ENDPOINT, process.env.TABLE_NAME!);
}
const authRequest = { headers: raw.headers } as unknown as Parameters<typeof bearerAuthentication>[0];
await bearerAuthentication(authRequest);
const matchRoute = createRouteMatcher(api.operations.map((o) => o.operation));
const getPatient = patientsRoutes.find((o) => o.operationId === 'getPatient')!;
const answer = {
  patientId,
  practitionerId: newId(),
  firstName: 'Emma',
  lastName: 'Lambert',
  birthDate: '2016-04-12',
  phone: '+32470112233',
  insurer: { organisationCode: '100', memberNumber: 'M-1' },
  relatedPersons: [
    { relatedPersonId: newId(), relation: 'parent1', firstName: 'P', lastName: 'L', phone: '+32478000111' },
  ],
  correspondents: [],
  notes: 'Dyslexia assessment planned',
  portalOptOut: false,
  status: 'active',
  version: 3,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  createdBy: newId(),
};
const empty = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .before(() => {
    logger.setCorrelationId('request-id');
    logger.appendKeys({ routeKey: 'GET /patients/{patientId}' });
  })
  .handler(async () => ({ statusCode: 200 }));
const context = lambdaContext('centrum-patients', 'bench');

async function time(stage: string, run: () => unknown): Promise<StageResult> {
  const iterations = 20_000;
  for (let i = 0; i < 2000; i++) await run();
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await run();
    batches.push(((performance.now() - started) * 1000) / iterations);
  }
  return { stage, microseconds: round(median(batches), 2) };
}

const results = [
  await time('API Gateway event (local adapter, route matching included)', () => toEvent(raw)),
  await time('route matching alone', () => matchRoute('GET', `/patients/${patientId}`)),
  await time('token check (verified once, then remembered)', () => verifyAccessToken(token)),
  await time('token and revocation check (the staff authenticator; revocation copy fresh)', () =>
    bearerAuthentication(authRequest),
  ),
  await time('path validation (zod)', () => getPatient.params.safeParse({ patientId })),
  await time('middy + Powertools logger context', () => empty({}, context)),
  await time('request log line', () => logger.info('request', { status: 200, durationMs: 3 })),
  await time('answer serialisation (JSON)', () => JSON.stringify(answer)),
];
writeChildResult(results);
process.exit(0);
