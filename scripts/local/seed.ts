import type { RequestMeta } from '#shared/http/contract';
import type { Actor } from '#shared/identity/actor';

/**
 * The demo centre, created through the domain services (the same code the API runs), once:
 * a second start finds the demo manager's account and changes nothing.
 */
export const DEMO = {
  centreName: 'Centre Logopédie Démo',
  password: 'centrum-demo-2026',
  manager: { email: 'manager@demo.centrum.local', firstName: 'Marie', lastName: 'Dubois' },
  practitioner: { email: 'practitioner@demo.centrum.local', firstName: 'Luc', lastName: 'Janssens' },
  secretary: { email: 'secretary@demo.centrum.local', firstName: 'Sofia', lastName: 'Peeters' },
};

export interface SeedResult {
  created: boolean;
  centreId: string;
  managerTotpSecret: string | undefined;
}

export async function seedDemo(): Promise<SeedResult> {
  const { findCredential, membershipsOfUser } = await import('#shared/identity/repository');
  const existing = await findCredential(DEMO.manager.email);
  if (existing) {
    const [membership] = await membershipsOfUser(existing.userId);
    return { created: false, centreId: membership?.centreId ?? '', managerTotpSecret: existing.totpSecret };
  }
  const identity = await import('#shared/identity/service');
  const centres = await import('#shared/centres/service');
  const invitations = await import('#shared/centres/invitations');
  const patients = await import('#shared/patients/service');
  const meta: RequestMeta = {
    requestId: 'seed',
    sourceIp: '127.0.0.1',
    userAgent: 'centrum-seed',
    path: '/seed',
  };

  const signUp = await identity.signUp({
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
  const manager: Actor = {
    userId: signUp.userId,
    centreId: signUp.centreId,
    role: 'manager',
    servedPractitionerIds: [],
    sessionId: 'seed',
  };

  const practitionerInvite = await invitations.issueInvitation(manager, {
    email: DEMO.practitioner.email,
    role: 'practitioner',
  });
  const practitioner = await identity.acceptInvitation({
    token: practitionerInvite.token,
    password: DEMO.password,
    ...names(DEMO.practitioner),
  });
  const secretaryInvite = await invitations.issueInvitation(manager, {
    email: DEMO.secretary.email,
    role: 'secretary',
    servedPractitionerIds: [practitioner.userId],
  });
  await identity.acceptInvitation({
    token: secretaryInvite.token,
    password: DEMO.password,
    ...names(DEMO.secretary),
  });
  await centres.createLicence(manager, { practitionerId: practitioner.userId });

  const asPractitioner: Actor = { ...manager, userId: practitioner.userId, role: 'practitioner' };
  const demoPatients = [
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
      insurer: { organisationCode: '500' as const },
    },
  ];
  for (const patient of demoPatients) {
    await patients.createPatient(
      asPractitioner,
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
      meta,
    );
  }
  return { created: true, centreId: signUp.centreId, managerTotpSecret: signUp.totp.secret };
}

const names = (p: { firstName: string; lastName: string }) => ({
  firstName: p.firstName,
  lastName: p.lastName,
});
