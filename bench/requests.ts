/**
 * Part 3 (child process): DynamoDB requests per API call for each route, counted by the SDK
 * middleware (CENTRUM_COUNT_REQUESTS=1) against DynamoDB Local. Builds a world with the test
 * scenario builders and calls each route once, happy path, through the local adapter's `invoke`
 * (the deployed handlers, no socket). Run by bench/run.ts with the engine endpoint in the env.
 */
import { randomBytes } from 'node:crypto';
import type { Budget, OperationId } from '#shared/http/routes';
import { writeChildResult } from './lib';

Object.assign(process.env, {
  TABLE_NAME: process.env.TABLE_NAME ?? `centrum-bench-requests-${randomBytes(4).toString('hex')}`,
  BUCKET_NAME: 'centrum-bench-documents',
  JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
  AWS_REGION: 'eu-west-3',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  STAGE: 'bench',
  LOG_LEVEL: 'SILENT',
  CENTRUM_COUNT_REQUESTS: '1',
  TZ: 'UTC',
});
const endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set (run through npm run bench)');

// Only now: every #shared module reads its configuration at import time.
const { ensureTable } = await import('../scripts/local/engines');
await ensureTable(endpoint, process.env.TABLE_NAME!);
const { invoke, loadHandlers } = await import('../scripts/local/http-adapter');
const { requestCounts, resetRequestCounts } = await import('#shared/db/request-counter');
const { routes } = await import('#shared/http/routes');
const centres = await import('#shared/centres/service');
const identity = await import('#shared/identity/service');
const patients = await import('#shared/patients/service');
const { currentTotp } = await import('#shared/identity/totp');
const { buildCentre, invite, meta, newPatient, PASSWORD } = await import('../test/support/world');

type Caller = 'anonymous' | 'manager' | 'practitioner';
interface Req {
  method: string;
  url: string;
  body?: unknown;
  sourceIp?: string;
}
interface Scenario {
  as: Caller;
  request: () => Promise<Req>;
}

const world = await buildCentre('Bench centre');
const plainPractitioner = await invite(world.manager.actor, 'practitioner');
let ip = 0;
const nextIp = () => `203.0.113.${(ip++ % 250) + 1}`;
const uniq = () => randomBytes(4).toString('hex');

const practitionerRefreshToken = async () => {
  const session = await identity.signIn(
    { email: plainPractitioner.email, password: PASSWORD },
    { ...meta, sourceIp: nextIp() },
  );
  return (session as { refreshToken: string }).refreshToken;
};
const freshPatient = () =>
  patients.createPatient(world.practitioner.actor, newPatient({ lastName: `Bench${uniq()}` }), meta);

/** One happy-path request per route (the manager's or the practitioner's call of the authorization matrix). */
const scenarios: Record<OperationId, Scenario> = {
  health: { as: 'anonymous', request: async () => ({ method: 'GET', url: '/health' }) },
  openapi: { as: 'anonymous', request: async () => ({ method: 'GET', url: '/openapi.json' }) },
  docs: { as: 'anonymous', request: async () => ({ method: 'GET', url: '/docs' }) },
  signUp: {
    as: 'anonymous',
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-up',
      body: {
        centre: { name: 'New centre' },
        manager: { email: `new-${uniq()}@example.test`, password: PASSWORD, firstName: 'N', lastName: 'M' },
      },
    }),
  },
  signIn: {
    as: 'anonymous',
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-in',
      body: { email: plainPractitioner.email, password: PASSWORD },
      sourceIp: nextIp(),
    }),
  },
  verifyMfa: {
    as: 'anonymous',
    request: async () => {
      const email = `mfa-${uniq()}@example.test`;
      const signUp = await identity.signUp({
        centre: { kind: 'centre', name: 'MFA centre' },
        manager: { email, password: PASSWORD, firstName: 'A', lastName: 'B' },
      });
      const sourceIp = nextIp();
      const signIn = await identity.signIn({ email, password: PASSWORD }, { ...meta, sourceIp });
      return {
        method: 'POST',
        url: '/auth/mfa',
        body: { mfaToken: (signIn as { mfaToken: string }).mfaToken, code: currentTotp(signUp.totp.secret) },
        sourceIp,
      };
    },
  },
  refreshSession: {
    as: 'anonymous',
    request: async () => ({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: await practitionerRefreshToken() },
    }),
  },
  signOut: {
    as: 'anonymous',
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-out',
      body: { refreshToken: await practitionerRefreshToken() },
    }),
  },
  acceptInvitation: {
    as: 'anonymous',
    request: async () => {
      const invitation = await centres.createInvitation(world.manager.actor, {
        email: `inv-${uniq()}@example.test`,
        role: 'practitioner',
      });
      return {
        method: 'POST',
        url: '/auth/invitations/accept',
        body: { token: invitation.token, password: PASSWORD, firstName: 'I', lastName: 'J' },
      };
    },
  },
  getMe: { as: 'practitioner', request: async () => ({ method: 'GET', url: '/me' }) },
  listSignIns: { as: 'practitioner', request: async () => ({ method: 'GET', url: '/me/sign-ins' }) },
  listDevices: { as: 'practitioner', request: async () => ({ method: 'GET', url: '/me/devices' }) },
  startTotpEnrolment: { as: 'practitioner', request: async () => ({ method: 'POST', url: '/me/totp' }) },
  confirmTotpEnrolment: {
    as: 'practitioner',
    request: async () => {
      const enrolment = await identity.startTotpEnrolment(world.practitioner.actor);
      return { method: 'POST', url: '/me/totp/confirm', body: { code: currentTotp(enrolment.secret) } };
    },
  },
  getCentre: { as: 'manager', request: async () => ({ method: 'GET', url: '/centre' }) },
  updateCentre: {
    as: 'manager',
    request: async () => {
      const centre = await centres.getCentre(world.manager.actor);
      return { method: 'PATCH', url: '/centre', body: { version: centre.version, phone: '+3226001122' } };
    },
  },
  listStaff: { as: 'manager', request: async () => ({ method: 'GET', url: '/centre/staff' }) },
  updateStaffMember: {
    as: 'manager',
    request: async () => ({
      method: 'PATCH',
      url: `/centre/staff/${world.secretary.userId}`,
      body: { servedPractitionerIds: [world.practitioner.userId] },
    }),
  },
  createInvitation: {
    as: 'manager',
    request: async () => ({
      method: 'POST',
      url: '/centre/invitations',
      body: { email: `c-${uniq()}@example.test`, role: 'secretary' },
    }),
  },
  listInvitations: { as: 'manager', request: async () => ({ method: 'GET', url: '/centre/invitations' }) },
  revokeInvitation: {
    as: 'manager',
    request: async () => {
      const invitation = await centres.createInvitation(world.manager.actor, {
        email: `r-${uniq()}@example.test`,
        role: 'secretary',
      });
      return { method: 'DELETE', url: `/centre/invitations/${invitation.invitationId}` };
    },
  },
  listLicences: { as: 'manager', request: async () => ({ method: 'GET', url: '/centre/licences' }) },
  createLicence: {
    as: 'manager',
    request: async () => ({
      method: 'POST',
      url: '/centre/licences',
      body: { features: ['agenda', 'patients'] },
    }),
  },
  getLicence: {
    as: 'manager',
    request: async () => {
      const licence = await centres.createLicence(world.manager.actor, {
        practitionerId: world.practitioner.userId,
      });
      return { method: 'GET', url: `/centre/licences/${licence.licenceId}` };
    },
  },
  updateLicence: {
    as: 'manager',
    request: async () => {
      const licence = await centres.createLicence(world.manager.actor, {});
      return {
        method: 'PATCH',
        url: `/centre/licences/${licence.licenceId}`,
        body: { features: ['billing'], version: 1 },
      };
    },
  },
  transferLicence: {
    as: 'manager',
    request: async () => {
      const licence = await centres.createLicence(world.manager.actor, {
        practitionerId: world.otherPractitioner.userId,
      });
      return {
        method: 'POST',
        url: `/centre/licences/${licence.licenceId}/transfer`,
        body: { practitionerId: world.practitioner.userId, version: 1 },
      };
    },
  },
  revokeLicence: {
    as: 'manager',
    request: async () => {
      const licence = await centres.createLicence(world.manager.actor, {});
      return { method: 'DELETE', url: `/centre/licences/${licence.licenceId}` };
    },
  },
  createPatient: {
    as: 'practitioner',
    request: async () => {
      const { notes: _notes, ...contact } = newPatient({ lastName: `Created${uniq()}` });
      return { method: 'POST', url: '/patients', body: contact };
    },
  },
  listPatients: { as: 'practitioner', request: async () => ({ method: 'GET', url: '/patients?limit=5' }) },
  getPatient: {
    as: 'practitioner',
    request: async () => ({ method: 'GET', url: `/patients/${world.patientId}` }),
  },
  updatePatient: {
    as: 'practitioner',
    request: async () => {
      const patient = await freshPatient();
      return {
        method: 'PATCH',
        url: `/patients/${patient.patientId}`,
        body: { version: 1, phone: '+32470000999' },
      };
    },
  },
  transferPatient: {
    as: 'practitioner',
    request: async () => {
      const patient = await freshPatient();
      return {
        method: 'POST',
        url: `/patients/${patient.patientId}/transfer`,
        body: { toPractitionerId: world.otherPractitioner.userId, version: 1 },
      };
    },
  },
  listPatientHistory: {
    as: 'practitioner',
    request: async () => ({ method: 'GET', url: `/patients/${world.patientId}/transfers` }),
  },
  listPatientAudit: {
    as: 'manager',
    request: async () => ({ method: 'GET', url: `/patients/${world.patientId}/audit` }),
  },
};

export interface RouteCount {
  operationId: string;
  route: string;
  as: Caller;
  status: number;
  measured: Budget;
  budget: Budget;
  total: number;
  budgetTotal: number;
  over: string[];
}

const handlers = await loadHandlers();
const results: RouteCount[] = [];
for (const route of routes) {
  const scenario = scenarios[route.operationId]!;
  const req = await scenario.request();
  const token = scenario.as === 'anonymous' ? undefined : world[scenario.as].token;
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(req.body));
  resetRequestCounts();
  const res = await invoke(handlers, {
    method: req.method,
    url: req.url,
    headers: {
      'user-agent': 'centrum-bench',
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
    sourceIp: req.sourceIp ?? '198.51.100.7',
  });
  const measured = requestCounts() as Budget;
  const budget: Budget = route.budget;
  const over = Object.entries(measured)
    .filter(([command, n]) => n > (budget[command as keyof Budget] ?? 0))
    .map(([command, n]) => `${command} ${n}>${budget[command as keyof Budget] ?? 0}`);
  const status = res.statusCode ?? 200;
  if (status >= 300)
    console.error(`  bench: ${route.operationId} answered ${status}: ${(res.body ?? '').slice(0, 200)}`);
  results.push({
    operationId: route.operationId,
    route: `${route.method} ${route.path}`,
    as: scenario.as,
    status,
    measured,
    budget,
    total: Object.values(measured).reduce((a, b) => a + b, 0),
    budgetTotal: Object.values(budget).reduce((a, b) => a + b, 0),
    over,
  });
}
writeChildResult(results);
// The SDK's keep-alive sockets would keep the process alive.
process.exit(0);
