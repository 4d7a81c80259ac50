import { membershipDirectory } from '#functions/centres/staff';
import { createCentreWithManager } from '#functions/centres/sign-up';
import { startTotpEnrolment } from '#functions/identity/enrolment';
import type { identityRoutes } from '#functions/identity/routes';
import { signIn } from '#functions/identity/sessions';
import { currentTotp } from '#functions/identity/totp';
import { actorOf, type CasesOf, everyone, matrixWorld, nextIp, roles, staffOnly, uniq } from '../support/matrix-world';
import { origin, PASSWORD } from '../support/world';

/** identity: route × caller (test/support/matrix-world.ts). */
async function managerMfaToken() {
  const email = `mfa-${uniq()}@example.test`;
  const signedUp = await createCentreWithManager({
    centre: { kind: 'centre', name: 'MFA centre' },
    manager: { email, password: PASSWORD, firstName: 'A', lastName: 'B' },
  });
  const sourceIp = nextIp();
  const started = await signIn({ email, password: PASSWORD }, { ...origin, sourceIp }, membershipDirectory);
  return {
    mfaToken: (started as { mfaToken: string }).mfaToken,
    code: currentTotp(signedUp.totp.secret),
    sourceIp,
  };
}

async function practitionerRefreshToken() {
  const session = await signIn(
    { email: matrixWorld().sessionPractitioner.email, password: PASSWORD },
    { ...origin, sourceIp: nextIp() },
    membershipDirectory,
  );
  return (session as { refreshToken: string }).refreshToken;
}

export const identityCases: CasesOf<typeof identityRoutes> = {
  signIn: {
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-in',
      body: { email: matrixWorld().plainPractitioner.email, password: PASSWORD },
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
          ? await startTotpEnrolment(actor.actor).catch((error: { code?: string }) => {
              if (error.code !== 'totp_already_enrolled') throw error;
              return { secret: 'JBSWY3DPEHPK3PXP' };
            })
          : { secret: 'JBSWY3DPEHPK3PXP' };
      return { method: 'POST', url: '/me/totp/confirm', body: { code: currentTotp(enrolment.secret) } };
    },
    expect: roles({ manager: 409, practitioner: 204, otherPractitioner: 204, secretary: 204, foreignManager: 409 }),
  },
};
