import { createPatient } from '#functions/patients/service';
import type { patientsRoutes } from '#functions/patients/routes';
import { type CasesOf, managersOnly, matrixWorld as world, roles, staffOnly, uniq } from '../support/matrix-world';
import { newPatient, origin } from '../support/world';

const freshPatientOfPractitioner = () =>
  createPatient(world().centre.practitioner.actor, newPatient({ lastName: `Matrix${uniq()}` }), origin);

/** patients: route × caller (test/support/matrix-world.ts). */
export const patientsCases: CasesOf<typeof patientsRoutes> = {
  createPatient: {
    request: async (who) => {
      const { notes, ...contact } = newPatient({ lastName: `Created${uniq()}` });
      const practitionerId =
        who === 'manager' || who === 'foreignManager' ? { practitionerId: world().centre.practitioner.userId } : {};
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
    request: async () => ({ method: 'GET', url: `/patients/${world().centre.patientId}` }),
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
        body: { toPractitionerId: world().centre.otherPractitioner.userId, version: 1 },
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
    request: async () => ({ method: 'GET', url: `/patients/${world().centre.patientId}/transfers` }),
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 200,
      foreignManager: 404,
    }),
  },
  listPatientAudit: {
    request: async () => ({ method: 'GET', url: `/patients/${world().centre.patientId}/audit` }),
    expect: managersOnly(200, 404),
  },
};
