import type { Actor, Role } from '#shared/access/actor';
import type { Origin } from '#shared/origin';

/**
 * The demo centre, created through the domain services (the same code the API runs). Each step
 * looks for what it would create first, so a start interrupted half-way (Ctrl-C during the first
 * seed) is completed by the next one, and a complete demo centre is left exactly as it is.
 */
export const DEMO = {
  centreName: 'Centre Logopédie Démo',
  password: 'centrum-demo-2026',
  manager: { email: 'manager@demo.centrum.local', firstName: 'Marie', lastName: 'Dubois' },
  practitioner: { email: 'practitioner@demo.centrum.local', firstName: 'Luc', lastName: 'Janssens' },
  secretary: { email: 'secretary@demo.centrum.local', firstName: 'Sofia', lastName: 'Peeters' },
  practitioner2: { email: 'practitioner2@demo.centrum.local', firstName: 'Inès', lastName: 'Mertens' },
  patients: [
    {
      firstName: 'Emma',
      lastName: 'Lambert',
      birthDate: '2016-04-12',
      phone: '+32470112233',
      insurer: { organisationCode: '100' as const, memberNumber: 'M-1001' },
    },
    {
      firstName: 'Noah',
      lastName: 'Claes',
      birthDate: '2014-09-03',
      phone: '+32470445566',
      insurer: { organisationCode: '300' as const },
    },
    {
      firstName: 'Léa',
      lastName: 'Van den Broeck',
      birthDate: '1958-01-22',
      phone: '+32475778899',
      email: 'lea.vandenbroeck@example.test',
      insurer: { organisationCode: '500' as const },
    },
    ...[
      ['Lucas', 'Dubois', '2017-02-14', '+32470223344'],
      ['Chloé', 'Maes', '2012-11-30', '+32471334455'],
      ['Arthur', 'Jacobs', '1949-06-08', '+32472445566'],
      ['Louise', 'Willems', '2018-08-21', '+32473556677'],
      ['Nathan', 'Wouters', '2015-03-17', '+32474667788'],
      ['Camille', 'Goossens', '1987-12-02', '+32476778899'],
    ].map(([firstName, lastName, birthDate, phone]) => ({
      firstName: firstName!,
      lastName: lastName!,
      birthDate: birthDate!,
      phone: phone!,
      insurer: { organisationCode: '100' as const },
    })),
  ],
};

export interface SeedResult {
  /** True when this run created anything (a first start, or one completing an interrupted seed). */
  created: boolean;
  /** What this run created, e.g. `['secretary', 'patient Noah Claes']`; empty when all was there. */
  steps: string[];
  centreId: string;
  managerTotpSecret: string | undefined;
}

const origin: Origin = { requestId: 'seed', sourceIp: '127.0.0.1', userAgent: 'centrum-seed' };

export async function seedDemo(): Promise<SeedResult> {
  const steps: string[] = [];
  const { manager, managerTotpSecret } = await ensureManagerAndCentre(steps);
  const practitioner = await ensureStaff(manager, 'practitioner', DEMO.practitioner, [], steps);
  await ensureStaff(manager, 'secretary', DEMO.secretary, [practitioner.userId], steps);
  await ensureLicence(manager, practitioner.userId, steps);
  const practitioner2 = await ensureStaff(manager, 'practitioner', DEMO.practitioner2, [], steps);
  const patientIds = await ensurePatients({ ...manager, userId: practitioner.userId, role: 'practitioner' }, steps);
  const { ensureAgenda } = await import('./seed-agenda');
  await ensureAgenda(manager, [practitioner.userId, practitioner2.userId], patientIds, steps);
  return { created: steps.length > 0, steps, centreId: manager.centreId, managerTotpSecret };
}

/** Sign-up is one transaction (credential, user, centre, membership): there or not at all. */
async function ensureManagerAndCentre(steps: string[]) {
  const { findCredential } = await import('#functions/identity/repository');
  const { membershipsOfUser } = await import('#functions/centres/repository');
  const existing = await findCredential(DEMO.manager.email);
  if (existing) {
    const memberships = await membershipsOfUser(existing.userId);
    const membership = memberships.find((m) => m.centreName === DEMO.centreName) ?? memberships[0];
    if (!membership) throw new Error(`The demo manager ${DEMO.manager.email} has no centre`);
    return { manager: actor(existing.userId, membership.centreId, 'manager'), managerTotpSecret: existing.totpSecret };
  }
  const { createCentreWithManager: signUpCentre } = await import('#functions/centres/sign-up');
  const signUp = await signUpCentre({
    centre: {
      kind: 'centre',
      name: DEMO.centreName,
      timeZone: 'Europe/Brussels',
      locale: 'fr-BE',
      phone: '+3226001122',
      email: 'contact@demo.centrum.local',
      address: { street: 'Rue de la Loi 16', postalCode: '1000', city: 'Bruxelles', country: 'BE' },
      openingHours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
        day: day as 'mon',
        opens: '08:30',
        closes: '18:00',
      })),
      locations: [{ name: 'Cabinet principal' }, { name: 'École Saint-Michel' }],
    },
    manager: { ...DEMO.manager, password: DEMO.password },
  });
  steps.push('manager and centre');
  return { manager: actor(signUp.userId, signUp.centreId, 'manager'), managerTotpSecret: signUp.totp.secret };
}

/**
 * A member of the demo centre, joined by invitation. An invitation left pending by an
 * interrupted seed cannot be accepted (only its token's hash is stored), so it is revoked and a
 * new one sent; acceptance also works when the account exists without the membership.
 */
async function ensureStaff(
  manager: Actor,
  role: Role,
  person: { email: string; firstName: string; lastName: string },
  servedPractitionerIds: string[],
  steps: string[],
) {
  const { findCredential } = await import('#functions/identity/repository');
  const { findMembership } = await import('#functions/centres/repository');
  const credential = await findCredential(person.email);
  const membership = credential && (await findMembership(manager.centreId, credential.userId));
  if (credential && membership) return { userId: credential.userId };

  const { acceptInvitation, issueInvitation, revokeInvitation } = await import('#functions/centres/invitations');
  const { invitationFromItem, invitationsPage } = await import('#functions/centres/repository');
  const invitations = (await invitationsPage(manager.centreId, 100)).items.map(invitationFromItem);
  for (const stale of invitations) {
    if (stale.email === person.email && stale.status === 'pending') {
      await revokeInvitation(manager, stale.invitationId);
    }
  }
  const invitation = await issueInvitation(manager, { email: person.email, role, servedPractitionerIds });
  const accepted = await acceptInvitation({
    token: invitation.token,
    password: DEMO.password,
    firstName: person.firstName,
    lastName: person.lastName,
  });
  steps.push(role);
  return { userId: accepted.userId };
}

async function ensureLicence(manager: Actor, practitionerId: string, steps: string[]) {
  const { licencesPage } = await import('#functions/centres/repository');
  const held = await licencesPage(manager.centreId, practitionerId, 1);
  if (held.items.length > 0) return;
  const { createLicence } = await import('#functions/centres/licences');
  await createLicence(manager, { practitionerId });
  steps.push('licence');
}

/** Each demo patient once, recognised by name and birth date among the practitioner's patients. */
async function ensurePatients(practitioner: Actor, steps: string[]) {
  const { queryPatients } = await import('#functions/patients/repository');
  const patients = await import('#functions/patients/service');
  const ids: string[] = [];
  for (const patient of DEMO.patients) {
    const sameName = await queryPatients(
      {
        by: 'practitioner',
        centreId: practitioner.centreId,
        practitionerId: practitioner.userId,
        lastNamePrefix: patient.lastName,
      },
      100,
    );
    const existing = sameName.items.find(
      (item) =>
        item.lastName === patient.lastName &&
        item.firstName === patient.firstName &&
        item.birthDate === patient.birthDate,
    );
    if (existing) {
      ids.push(String(existing.patientId));
      continue;
    }
    const created = await patients.createPatient(
      practitioner,
      {
        ...patient,
        relatedPersons:
          patient.birthDate > '2008-01-01'
            ? [
                {
                  relation: 'parent1',
                  firstName: 'Parent',
                  lastName: patient.lastName,
                  phone: '+32478000111',
                  isFinancialResponsible: true,
                },
              ]
            : [],
      },
      origin,
    );
    ids.push(created.patientId);
    steps.push(`patient ${patient.firstName} ${patient.lastName}`);
  }
  return ids;
}

const actor = (userId: string, centreId: string, role: Role): Actor => ({
  userId,
  centreId,
  role,
  servedPractitionerIds: [],
  sessionId: 'seed',
});
