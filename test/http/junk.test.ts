import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { issueInvitation } from '#functions/centres/invitations';
import { createLicence } from '#functions/centres/licences';
import { api } from '#functions/contexts';
import { createPatient } from '#functions/patients/service';
import type { OperationSpec } from '#shared/http/operation';
import { type CallOptions, call } from '../support/api';
import { actorOf, type Caller, callers, matrixWorld, setupRouteMatrix } from '../support/matrix-world';
import { contractViolations } from '../support/openapi-contract';
import { caseOf } from '../support/route-cases';
import { refusalMayWrite, unexpectedWrites } from '../support/refusals';
import { resetRequestCounts, successfulWriteRequests } from '#shared/db/request-counter';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, type CentreWorld, newPatient, origin, PASSWORD } from '../support/world';

/**
 * Property: whatever reaches any route of any context, from any caller (anonymous, a broken
 * token, each role of the centre, another centre's manager), the answer is never a 5xx, and a
 * refused request (4xx) leaves every item of the table exactly as it was — a full snapshot of the
 * table, compared attribute by attribute — except the refusals listed in `refusalsThatWrite`,
 * which may write only what is listed there.
 *
 * Two kinds of requests:
 * - junk: odd or real path ids (the junk world's patients, licence, invitation, staff), query
 *   strings, bodies (junk, or plausible ones naming real people and versions), content types, sizes;
 * - near-valid: the authorization matrix's request that succeeds for one caller
 *   (test/<context>/route-cases.ts), sent by that caller or another, with one mutation (a stale
 *   version, another real id, a field dropped or replaced by junk): refusals of writes on real
 *   items, one step away from success. Every route runs each mutation at least once (examples).
 */
let junkWorld: CentreWorld;
let junkForeign: CentreWorld;
let licenceId: string;
let invitationId: string;

beforeAll(async () => {
  [junkWorld, junkForeign] = await Promise.all([
    buildCentre('Junk centre'),
    buildCentre('Foreign junk centre'),
    setupRouteMatrix(),
  ]);
  const manager = junkWorld.manager.actor;
  licenceId = (await createLicence(manager, { practitionerId: junkWorld.practitioner.userId })).licenceId;
  invitationId = (
    await issueInvitation(manager, {
      email: 'pending-junk@example.test',
      role: 'secretary',
      servedPractitionerIds: [junkWorld.practitioner.userId],
    })
  ).invitation.invitationId;
});

// --- Callers ---------------------------------------------------------------------------------------

const junkCallers = [...callers, 'badToken'] as const;
type JunkCaller = (typeof junkCallers)[number];
const broken = (token: string) => `${token.slice(0, -4)}AAAA`; // signature no longer matches

/** Tokens of the junk world (its own centre and a foreign one). */
function junkToken(caller: JunkCaller): string | undefined {
  if (caller === 'anonymous') return undefined;
  if (caller === 'badToken') return broken(junkWorld.manager.token);
  if (caller === 'foreignManager') return junkForeign.manager.token;
  return junkWorld[caller].token;
}

/** Tokens of the matrix world (the one the near-valid requests are built in). */
function matrixToken(caller: JunkCaller): string | undefined {
  if (caller === 'badToken') return broken(actorOf('manager')?.token ?? '');
  return actorOf(caller)?.token;
}

// --- Junk requests ---------------------------------------------------------------------------------

/** Ids of real items of the junk world, by the path parameter that names them. */
function junkWorldIds(): Record<string, string[]> {
  return {
    patientId: [junkWorld.patientId, junkWorld.otherPatientId, junkForeign.patientId],
    licenceId: [licenceId],
    invitationId: [invitationId],
    userId: [junkWorld.secretary, junkWorld.practitioner, junkWorld.otherPractitioner, junkWorld.manager].map(
      (s) => s.userId,
    ),
  };
}

function pathValue(name: string) {
  const ids = junkWorldIds();
  const own = ids[name] ?? [];
  return fc.oneof(
    { weight: 3, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9A-Z]{26}$/) },
    { weight: 1, arbitrary: fc.constantFrom('..', '%', '') },
    ...(own.length ? [{ weight: 4, arbitrary: fc.constantFrom(...own) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...Object.values(ids).flat()) },
  );
}

/** Values that often pass validation and name real people, versions and e-mails. */
function plausibleField(name: string): fc.Arbitrary<unknown> {
  const staff = [junkWorld.manager, junkWorld.practitioner, junkWorld.otherPractitioner, junkWorld.secretary];
  const userIds = [...staff, junkForeign.manager].map((s) => s.userId);
  const byName: Record<string, fc.Arbitrary<unknown>> = {
    version: fc.integer({ min: 0, max: 4 }),
    practitionerId: fc.constantFrom(...userIds),
    toPractitionerId: fc.constantFrom(...userIds),
    servedPractitionerIds: fc.subarray(userIds, { maxLength: 2 }),
    role: fc.constantFrom('manager', 'practitioner', 'secretary'),
    status: fc.constantFrom('active', 'suspended'),
    features: fc.subarray(['patients', 'agenda', 'billing', 'imaging'], { maxLength: 3 }),
    email: fc.constantFrom(...staff.map((s) => s.email), 'nobody@example.test'),
    password: fc.constantFrom(PASSWORD, 'not the password at all'),
    code: fc.stringMatching(/^[0-9]{6}$/),
    phone: fc.constantFrom('+32470000999', '+3226001122', '0470 11 22 33'),
    birthDate: fc.constantFrom('2016-04-12', '1958-01-22', '2016-02-30'),
    firstName: fc.string({ maxLength: 20 }),
    lastName: fc.string({ maxLength: 20 }),
    reason: fc.string({ maxLength: 40 }),
    centreId: fc.constantFrom(junkWorld.centreId, junkForeign.centreId),
  };
  return byName[name] ?? fc.jsonValue({ maxDepth: 2 });
}

/** A body with some or all of the fields the route's schema knows, filled with plausible values. */
function plausibleBody(route: OperationSpec) {
  const body = route.body;
  const shape = body instanceof z.ZodObject ? Object.keys(body.shape) : [];
  const fields = Object.fromEntries(
    (shape.length ? shape : ['version', 'practitionerId', 'email']).map((f) => [f, plausibleField(f)]),
  );
  return fc.oneof(fc.record(fields), fc.record(fields, { requiredKeys: [] }));
}

const junkValue = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.record({ version: fc.oneof(fc.integer(), fc.string()), firstName: fc.oneof(fc.string(), fc.integer()) }),
  fc.dictionary(fc.string(), fc.jsonValue()),
);

function junkRequest(route: OperationSpec) {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  return fc.record({
    kind: fc.constant('junk' as const),
    pathValues: fc.tuple(...names.map(pathValue)),
    query: fc.dictionary(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'lastName', 'phone', 'birthDate', 'practitionerId'),
        fc.string({ maxLength: 10 }),
      ),
      fc.string({ maxLength: 40 }),
      { maxKeys: 4 },
    ),
    body: fc.oneof(
      fc.record({ kind: fc.constant('json' as const), value: junkValue }),
      fc.record({ kind: fc.constant('json' as const), value: plausibleBody(route) }),
      fc.record({
        kind: fc.constant('raw' as const),
        value: fc.string({ maxLength: 200 }),
        contentType: fc.constantFrom('application/json', 'text/plain', 'application/xml', ''),
      }),
      fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 70_000, max: 200_000 }) }),
      fc.constant({ kind: 'none' as const }),
    ),
    caller: fc.constantFrom(...junkCallers),
  });
}

type JunkRequest = ReturnType<typeof junkRequest> extends fc.Arbitrary<infer T> ? T : never;

function sendJunk(route: OperationSpec, junk: JunkRequest) {
  let index = 0;
  const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(String(junk.pathValues[index++])) || 'x');
  const search = new URLSearchParams(junk.query).toString();
  const body = junk.body;
  const options: CallOptions =
    body.kind === 'json'
      ? { body: body.value }
      : body.kind === 'raw'
        ? { rawBody: body.value, headers: body.contentType ? { 'content-type': body.contentType } : {} }
        : body.kind === 'huge'
          ? {
              rawBody: JSON.stringify({ notes: 'x'.repeat(body.size) }),
              headers: { 'content-type': 'application/json' },
            }
          : {};
  return {
    method: route.method,
    url: search ? `${path}?${search}` : path,
    options: { ...options, token: junkToken(junk.caller), sourceIp: '198.51.100.99' },
  };
}

// --- Near-valid requests -----------------------------------------------------------------------

const mutations = ['none', 'staleVersion', 'otherId', 'dropField', 'junkField'] as const;
type Mutation = (typeof mutations)[number];

interface NearValidRequest {
  kind: 'nearValid';
  builtFor: Caller;
  caller: JunkCaller;
  mutation: Mutation;
  pick: number;
  value: unknown;
}

const succeedingCallers = (route: OperationSpec) => callers.filter((c) => caseOf(route.operationId).expect[c] < 300);

/** The mutations that change something for this route. */
function mutationsOf(route: OperationSpec): Mutation[] {
  const body = route.body;
  const fields = body instanceof z.ZodObject ? Object.keys(body.shape) : [];
  return mutations.filter(
    (m) =>
      m === 'none' ||
      (m === 'staleVersion' && fields.includes('version')) ||
      (m === 'otherId' && route.path.includes('{')) ||
      ((m === 'dropField' || m === 'junkField') && body !== undefined),
  );
}

function nearValidRequest(route: OperationSpec): fc.Arbitrary<NearValidRequest> {
  return fc.constantFrom(...succeedingCallers(route)).chain((builtFor) =>
    fc.record({
      kind: fc.constant('nearValid' as const),
      builtFor: fc.constant(builtFor),
      caller: fc.oneof(fc.constant<JunkCaller>(builtFor), fc.constantFrom(...junkCallers)),
      mutation: fc.constantFrom(...mutationsOf(route)),
      pick: fc.nat(),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
  );
}

/**
 * Run at every run of every route: each mutation by the caller the request was built for and,
 * on staff routes, the unmutated request by callers it is not meant for.
 */
function nearValidExamples(route: OperationSpec): NearValidRequest[] {
  const builtFor = succeedingCallers(route)[0] ?? 'manager';
  const base = { kind: 'nearValid' as const, builtFor, pick: 0, value: null };
  const others = route.auth === 'staff' ? (['secretary', 'foreignManager', 'badToken'] as const) : [];
  return [
    ...mutationsOf(route)
      .filter((m) => m !== 'none')
      .map((mutation) => ({ ...base, caller: builtFor, mutation })),
    ...others.filter((caller) => caller !== builtFor).map((caller) => ({ ...base, caller, mutation: 'none' as const })),
  ];
}

/**
 * Random near-valid requests on staff routes only: on the public ones (sign-up, sign-in, MFA,
 * refresh) the matrix's request succeeds for everyone and costs a password hash or two, so
 * they get the examples above and junk.
 */
type AnyRequest = JunkRequest | NearValidRequest;
const requestsFor = (route: OperationSpec): fc.Arbitrary<AnyRequest> =>
  route.auth === 'staff'
    ? fc.oneof<fc.Arbitrary<AnyRequest>[]>(junkRequest(route), nearValidRequest(route))
    : junkRequest(route);

/** Ids of real items of the matrix world, to put where another real id was. */
function matrixWorldIds() {
  const { centre, foreign, plainPractitioner } = matrixWorld();
  return [
    centre.patientId,
    centre.otherPatientId,
    foreign.patientId,
    ...[centre.manager, centre.practitioner, centre.otherPractitioner, centre.secretary, plainPractitioner].map(
      (s) => s.userId,
    ),
  ];
}

const ulid = /[0-9A-HJKMNP-TV-Z]{26}/;

/** Builds the matrix request (its fixtures are written here, before the snapshot) and mutates it. */
async function prepareNearValid(route: OperationSpec, near: NearValidRequest) {
  const req = await caseOf(route.operationId).request(near.builtFor);
  let url = req.url;
  let body = req.body as Record<string, unknown> | undefined;
  const fields = Object.keys(body ?? {});
  const field = fields[near.pick % Math.max(fields.length, 1)];
  switch (near.mutation) {
    case 'staleVersion':
      if (typeof body?.version === 'number') body = { ...body, version: body.version + 7 };
      break;
    case 'otherId': {
      const current = ulid.exec(url)?.[0];
      const others = matrixWorldIds().filter((id) => id !== current);
      if (current) url = url.replace(current, others[near.pick % others.length]!);
      break;
    }
    case 'dropField':
      if (body && field) body = Object.fromEntries(Object.entries(body).filter(([k]) => k !== field));
      break;
    case 'junkField':
      if (body && field) body = { ...body, [field]: near.value };
      break;
    case 'none':
      break;
  }
  return {
    method: req.method,
    url,
    options: { body, token: matrixToken(near.caller), sourceIp: req.sourceIp ?? '198.51.100.99' } as CallOptions,
  };
}

// --- The property --------------------------------------------------------------------------------

describe('junk thrown at every route', () => {
  it.each(api.operations.map((o) => [o.operation.operationId, o.operation] as const))(
    '%s never answers 5xx, answers as documented, and writes nothing when it refuses',
    async (_id, route) => {
      await fc.assert(
        fc.asyncProperty(requestsFor(route), async (request) => {
          const { method, url, options } =
            request.kind === 'junk' ? sendJunk(route, request) : await prepareNearValid(route, request);
          // Refusals that may write are compared item by item; for every other route a refusal
          // must have had no write request succeed (test/support/refusals.ts).
          const before = refusalMayWrite(route) ? await snapshot() : undefined;
          resetRequestCounts();

          const res = await call(method, url, options);

          const what = `${JSON.stringify({ ...request, value: undefined })}: ${method} ${url} → ${res.status} ${res.text.slice(0, 200)}`;
          expect(res.status, what).toBeLessThan(500);
          expect(contractViolations(method, url, res), what).toEqual([]);
          if (res.status >= 400) {
            expect(res.headers['content-type'], what).toBe('application/problem+json');
            if (before) {
              const diff = diffSnapshots(before, await snapshot());
              expect(unexpectedWrites(route, res.body?.code, diff), what).toEqual({
                added: [],
                changed: [],
                removed: [],
              });
            } else expect(successfulWriteRequests(), what).toEqual([]);
          }
        }),
        {
          numRuns: Number(process.env.JUNK_RUNS ?? 25),
          examples: nearValidExamples(route).map((example): [AnyRequest] => [example]),
        },
      );
    },
  );
});

// --- The allowance, and the rule, each shown once --------------------------------------------------

describe('what a refusal writes', () => {
  it('a wrong password writes only the throttle counters and the sign-in history', async () => {
    // An account and a client the property never uses, so no counter exists yet.
    const before = await snapshot();

    const res = await call('POST', '/auth/sign-in', {
      body: { email: junkForeign.practitioner.email, password: 'not the password at all' },
      sourceIp: '198.51.100.98',
    });

    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_credentials');
    const diff = diffSnapshots(before, await snapshot());
    expect(diff.added.map((item) => String(item.pk).split('#').slice(0, 2).join('#')).sort()).toEqual([
      'THROTTLE#ACCOUNT',
      'THROTTLE#CLIENT',
      `USER#${junkForeign.practitioner.userId}`,
    ]);
    expect(diff.changed).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it('a stale version on a real patient writes nothing at all', async () => {
    const patient = await createPatient(junkWorld.practitioner.actor, newPatient({ lastName: 'Stale' }), origin);
    const before = await snapshot();

    const res = await call('PATCH', `/patients/${patient.patientId}`, {
      token: junkWorld.practitioner.token,
      body: { version: 99, phone: '+32470000999' },
    });

    expect(res.status).toBe(409);
    expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
  });
});
