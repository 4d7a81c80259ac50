import { randomBytes } from 'node:crypto';
import { acceptInvitation, issueInvitation } from '#functions/centres/invitations';
import { createCentreWithManager } from '#functions/centres/sign-up';
import { issueAccessToken } from '#functions/identity/tokens';
import { createPatient } from '#functions/patients/service';
import type { Actor, Role } from '#shared/access/actor';
import { newId } from '#shared/ids';
import type { Origin } from '#shared/origin';

/**
 * Scenario builders: a centre with a manager, two practitioners, a secretary serving the first
 * practitioner and one patient per practitioner, made through the domain services. Tokens are
 * minted for the resulting memberships (sign-in itself is tested in test/identity).
 */
export const PASSWORD = 'correct horse battery staple';
/** Where the builders' calls come from (the audit trail records it). */
export const origin: Origin = { requestId: 'test', sourceIp: '198.51.100.7', userAgent: 'centrum-tests' };

export interface Staff {
  userId: string;
  email: string;
  role: Role;
  actor: Actor;
  token: string;
}

export interface CentreWorld {
  centreId: string;
  managerTotpSecret: string;
  manager: Staff;
  practitioner: Staff;
  otherPractitioner: Staff;
  secretary: Staff;
  patientId: string;
  otherPatientId: string;
}

const unique = () => randomBytes(4).toString('hex');

export async function tokenFor(actor: Actor) {
  return issueAccessToken(actor);
}

async function staff(
  userId: string,
  email: string,
  centreId: string,
  role: Role,
  served: string[] = [],
): Promise<Staff> {
  const actor: Actor = { userId, centreId, role, servedPractitionerIds: served, sessionId: newId() };
  return { userId, email, role, actor, token: await tokenFor(actor) };
}

export async function invite(
  manager: Actor,
  role: Role,
  served: string[] = [],
  email = `${role}-${unique()}@example.test`,
) {
  const invitation = await issueInvitation(manager, { email, role, servedPractitionerIds: served });
  const accepted = await acceptInvitation({
    token: invitation.token,
    password: PASSWORD,
    firstName: 'Test',
    lastName: role,
  });
  return staff(accepted.userId, email, manager.centreId, role, served);
}

export async function buildCentre(name = `Centre ${unique()}`): Promise<CentreWorld> {
  const managerEmail = `manager-${unique()}@example.test`;
  const signedUp = await createCentreWithManager({
    centre: { kind: 'centre', name },
    manager: { email: managerEmail, password: PASSWORD, firstName: 'Marie', lastName: 'Manager' },
  });
  const manager = await staff(signedUp.userId, managerEmail, signedUp.centreId, 'manager');
  const practitioner = await invite(manager.actor, 'practitioner');
  const otherPractitioner = await invite(manager.actor, 'practitioner');
  const secretary = await invite(manager.actor, 'secretary', [practitioner.userId]);
  const patient = await createPatient(practitioner.actor, newPatient({ lastName: 'Lambert' }), origin);
  const otherPatient = await createPatient(otherPractitioner.actor, newPatient({ lastName: 'Claes' }), origin);
  return {
    centreId: signedUp.centreId,
    managerTotpSecret: signedUp.totp.secret,
    manager,
    practitioner,
    otherPractitioner,
    secretary,
    patientId: patient.patientId,
    otherPatientId: otherPatient.patientId,
  };
}

export function newPatient(overrides: Record<string, unknown> = {}) {
  return {
    firstName: 'Emma',
    lastName: 'Lambert',
    birthDate: '2016-04-12',
    phone: '+32470112233',
    insurer: { organisationCode: '100' as const, memberNumber: 'M-1' },
    notes: 'Dyslexia assessment planned',
    ...overrides,
  };
}
