import * as invitations from '#shared/centres/invitations';
import * as centres from '#shared/centres/service';
import type { OperationId } from '#shared/http/routes';
import { findMembership } from '#shared/identity/repository';
import * as identity from '#shared/identity/service';
import { currentTotp } from '#shared/identity/totp';
import * as patients from '#shared/patients/service';
import { buildCentre, type CentreWorld, invite, meta, newPatient, PASSWORD, type Staff } from './world';

/**
 * Every route × every caller: anonymous, the centre's manager, a practitioner (own data),
 * another practitioner of the same centre, a secretary serving the first practitioner, and the
 * manager of another centre — the request each one sends and the status it must get. Used by the
 * authorization-matrix test and by the DynamoDB-requests benchmark.
 */
export const callers = [
  'anonymous',
  'manager',
  'practitioner',
  'otherPractitioner',
  'secretary',
  'foreignManager',
] as const;
export type Caller = (typeof callers)[number];

export interface Req {
  method: string;
  url: string;
  body?: unknown;
  sourceIp?: string;
}
export interface Case {
  request: (who: Caller) => Promise<Req>;
  expect: Record<Caller, number>;
}

let w: CentreWorld;
let foreign: CentreWorld;
let plainPractitioner: Staff;

/** Builds the two centres the matrix runs against (call once, before using `matrix`). */
export async function setupRouteMatrix() {
  [w, foreign] = await Promise.all([buildCentre('Matrix centre'), buildCentre('Foreign centre')]);
  plainPractitioner = await invite(w.manager.actor, 'practitioner');
}
/** The two centres and the extra practitioner built by setupRouteMatrix (for other tests' fixtures). */
export const matrixWorld = () => ({ centre: w, foreign, plainPractitioner });

let ip = 0;
const nextIp = () => `192.0.2.${(ip++ % 250) + 1}`;
const uniq = () => Math.random().toString(36).slice(2, 10);

const everyone = (status: number): Record<Caller, number> =>
  Object.fromEntries(callers.map((c) => [c, status])) as Record<Caller, number>;
const staffOnly = (status: number) => ({ ...everyone(status), anonymous: 401 });
const roles = (e: Omit<Record<Caller, number>, 'anonymous'>): Record<Caller, number> => ({
  anonymous: 401,
  ...e,
});
/** Manager-only routes: other roles 403; another centre's manager gets `foreign` (404 for a resource of ours). */
const managersOnly = (status: number, foreign: number) =>
  roles({ manager: status, practitioner: 403, otherPractitioner: 403, secretary: 403, foreignManager: foreign });

export const actorOf = (who: Caller) =>
  who === 'foreignManager' ? foreign.manager : who === 'anonymous' ? undefined : w[who];

async function managerMfaToken() {
  const email = `mfa-${uniq()}@example.test`;
  const signUp = await identity.signUp({
    centre: { kind: 'centre', name: 'MFA centre' },
    manager: { email, password: PASSWORD, firstName: 'A', lastName: 'B' },
  });
  const sourceIp = nextIp();
  const signIn = await identity.signIn({ email, password: PASSWORD }, { ...meta, sourceIp });
  return {
    mfaToken: (signIn as { mfaToken: string }).mfaToken,
    code: currentTotp(signUp.totp.secret),
    sourceIp,
  };
}

async function practitionerRefreshToken() {
  const session = await identity.signIn(
    { email: plainPractitioner.email, password: PASSWORD },
    { ...meta, sourceIp: nextIp() },
  );
  return (session as { refreshToken: string }).refreshToken;
}

const freshPatientOfPractitioner = () =>
  patients.createPatient(w.practitioner.actor, newPatient({ lastName: `Matrix${uniq()}` }), meta);

export const matrix: Record<OperationId, Case> = {
  health: { request: async () => ({ method: 'GET', url: '/health' }), expect: everyone(200) },
  openapi: { request: async () => ({ method: 'GET', url: '/openapi.json' }), expect: everyone(200) },
  docs: { request: async () => ({ method: 'GET', url: '/docs' }), expect: everyone(200) },

  signUp: {
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-up',
      body: {
        centre: { name: 'New centre' },
        manager: { email: `new-${uniq()}@example.test`, password: PASSWORD, firstName: 'N', lastName: 'M' },
      },
    }),
    expect: everyone(201),
  },
  signIn: {
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-in',
      body: { email: plainPractitioner.email, password: PASSWORD },
      sourceIp: nextIp(),
    }),
    expect: everyone(200),
  },
  verifyMfa: {
    request: async () => {
      const { mfaToken, code, sourceIp } = await managerMfaToken();
      return { method: 'POST', url: '/auth/mfa', body: { mfaToken, code }, sourceIp };
    },
    expect: everyone(200),
  },
  refreshSession: {
    request: async () => ({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: await practitionerRefreshToken() },
    }),
    expect: everyone(200),
  },
  signOut: {
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-out',
      body: { refreshToken: await practitionerRefreshToken() },
    }),
    expect: everyone(204),
  },
  acceptInvitation: {
    request: async () => {
      const invitation = await invitations.issueInvitation(w.manager.actor, {
        email: `inv-${uniq()}@example.test`,
        role: 'practitioner',
      });
      return {
        method: 'POST',
        url: '/auth/invitations/accept',
        body: { token: invitation.token, password: PASSWORD, firstName: 'I', lastName: 'J' },
      };
    },
    expect: everyone(201),
  },
  getMe: { request: async () => ({ method: 'GET', url: '/me' }), expect: staffOnly(200) },
  listSignIns: { request: async () => ({ method: 'GET', url: '/me/sign-ins' }), expect: staffOnly(200) },
  listDevices: { request: async () => ({ method: 'GET', url: '/me/devices' }), expect: staffOnly(200) },
  // Managers enrolled a second factor at sign-up: it is never replaced from a token (409).
  startTotpEnrolment: {
    request: async () => ({ method: 'POST', url: '/me/totp' }),
    expect: roles({ manager: 409, practitioner: 201, otherPractitioner: 201, secretary: 201, foreignManager: 409 }),
  },
  confirmTotpEnrolment: {
    request: async (who) => {
      const actor = actorOf(who);
      // Managers (and anyone who confirmed before, when the junk property repeats this) are already
      // enrolled: no enrolment can start, and the confirmation answers 409.
      const enrolment =
        actor && actor.role !== 'manager'
          ? await identity.startTotpEnrolment(actor.actor).catch((error: { code?: string }) => {
              if (error.code !== 'totp_already_enrolled') throw error;
              return { secret: 'JBSWY3DPEHPK3PXP' };
            })
          : { secret: 'JBSWY3DPEHPK3PXP' };
      return { method: 'POST', url: '/me/totp/confirm', body: { code: currentTotp(enrolment.secret) } };
    },
    expect: roles({ manager: 409, practitioner: 204, otherPractitioner: 204, secretary: 204, foreignManager: 409 }),
  },

  getCentre: { request: async () => ({ method: 'GET', url: '/centre' }), expect: staffOnly(200) },
  updateCentre: {
    request: async (who) => {
      const centre = await centres.getCentre((actorOf(who) ?? w.manager).actor);
      return { method: 'PATCH', url: '/centre', body: { version: centre.version, phone: '+3226001122' } };
    },
    expect: managersOnly(200, 200),
  },
  listStaff: { request: async () => ({ method: 'GET', url: '/centre/staff' }), expect: staffOnly(200) },
  listStaffAudit: {
    request: async () => ({ method: 'GET', url: `/centre/staff/${w.secretary.userId}/audit` }),
    expect: managersOnly(200, 404),
  },
  updateStaffMember: {
    request: async () => {
      const member = await findMembership(w.centreId, w.secretary.userId);
      return {
        method: 'PATCH',
        url: `/centre/staff/${w.secretary.userId}`,
        body: { version: member?.version, servedPractitionerIds: [w.practitioner.userId] },
      };
    },
    expect: managersOnly(200, 404),
  },
  createInvitation: {
    request: async () => ({
      method: 'POST',
      url: '/centre/invitations',
      body: { email: `c-${uniq()}@example.test`, role: 'secretary' },
    }),
    expect: managersOnly(201, 201),
  },
  listInvitations: {
    request: async () => ({ method: 'GET', url: '/centre/invitations' }),
    expect: managersOnly(200, 200),
  },
  resendInvitation: {
    request: async () => {
      const { invitation } = await invitations.issueInvitation(w.manager.actor, {
        email: `s-${uniq()}@example.test`,
        role: 'practitioner',
      });
      return { method: 'POST', url: `/centre/invitations/${invitation.invitationId}/resend` };
    },
    expect: managersOnly(200, 404),
  },
  revokeInvitation: {
    request: async () => {
      const { invitation } = await invitations.issueInvitation(w.manager.actor, {
        email: `r-${uniq()}@example.test`,
        role: 'secretary',
      });
      return { method: 'DELETE', url: `/centre/invitations/${invitation.invitationId}` };
    },
    expect: managersOnly(204, 404),
  },
  listLicences: {
    request: async () => ({ method: 'GET', url: '/centre/licences' }),
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 200,
      secretary: 403,
      foreignManager: 200,
    }),
  },
  createLicence: {
    request: async () => ({
      method: 'POST',
      url: '/centre/licences',
      body: { features: ['agenda', 'patients'] },
    }),
    expect: managersOnly(201, 201),
  },
  getLicence: {
    request: async () => {
      const licence = await centres.createLicence(w.manager.actor, { practitionerId: w.practitioner.userId });
      return { method: 'GET', url: `/centre/licences/${licence.licenceId}` };
    },
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 403,
      foreignManager: 404,
    }),
  },
  updateLicence: {
    request: async () => {
      const licence = await centres.createLicence(w.manager.actor, {});
      return {
        method: 'PATCH',
        url: `/centre/licences/${licence.licenceId}`,
        body: { features: ['billing'], version: 1 },
      };
    },
    expect: managersOnly(200, 404),
  },
  transferLicence: {
    request: async () => {
      const licence = await centres.createLicence(w.manager.actor, {
        practitionerId: w.otherPractitioner.userId,
      });
      return {
        method: 'POST',
        url: `/centre/licences/${licence.licenceId}/transfer`,
        body: { practitionerId: w.practitioner.userId, version: 1 },
      };
    },
    expect: managersOnly(200, 404),
  },
  revokeLicence: {
    request: async () => {
      const licence = await centres.createLicence(w.manager.actor, {});
      return { method: 'DELETE', url: `/centre/licences/${licence.licenceId}` };
    },
    expect: managersOnly(204, 404),
  },

  createPatient: {
    request: async (who) => {
      const { notes, ...contact } = newPatient({ lastName: `Created${uniq()}` });
      const practitionerId =
        who === 'manager' || who === 'foreignManager' ? { practitionerId: w.practitioner.userId } : {};
      return { method: 'POST', url: '/patients', body: { ...contact, ...practitionerId } };
    },
    expect: roles({
      manager: 201,
      practitioner: 201,
      otherPractitioner: 201,
      secretary: 201,
      foreignManager: 422,
    }),
  },
  listPatients: {
    request: async () => ({ method: 'GET', url: '/patients?limit=5' }),
    expect: staffOnly(200),
  },
  getPatient: {
    request: async () => ({ method: 'GET', url: `/patients/${w.patientId}` }),
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 200,
      foreignManager: 404,
    }),
  },
  updatePatient: {
    request: async () => {
      const patient = await freshPatientOfPractitioner();
      return {
        method: 'PATCH',
        url: `/patients/${patient.patientId}`,
        body: { version: 1, phone: '+32470000999' },
      };
    },
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 200,
      foreignManager: 404,
    }),
  },
  transferPatient: {
    request: async () => {
      const patient = await freshPatientOfPractitioner();
      return {
        method: 'POST',
        url: `/patients/${patient.patientId}/transfer`,
        body: { toPractitionerId: w.otherPractitioner.userId, version: 1 },
      };
    },
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 403,
      foreignManager: 404,
    }),
  },
  listPatientHistory: {
    request: async () => ({ method: 'GET', url: `/patients/${w.patientId}/transfers` }),
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 200,
      foreignManager: 404,
    }),
  },
  listPatientAudit: {
    request: async () => ({ method: 'GET', url: `/patients/${w.patientId}/audit` }),
    expect: managersOnly(200, 404),
  },
};
