import { createHttpHandler } from '#shared/http/handler';
import { bearerAuthentication } from '#shared/identity/authenticate';
import { patientsContract } from '#shared/patients/contract';
import * as patients from '#shared/patients/service';

/** Patients: files, search, transfer, audit trail (R1, R4, R5 flag, P5). */
export const handler = createHttpHandler(
  'patients',
  patientsContract,
  {
    createPatient: async ({ actor, body, meta }) => ({
      body: await patients.createPatient(actor, body, meta),
    }),
    listPatients: async ({ actor, query, meta }) => ({
      body: await patients.listPatients(actor, query, meta),
    }),
    getPatient: async ({ actor, params, meta }) => ({
      body: await patients.getPatient(actor, params.patientId, meta),
    }),
    updatePatient: async ({ actor, params, body, meta }) => ({
      body: await patients.updatePatient(actor, params.patientId, body, meta),
    }),
    transferPatient: async ({ actor, params, body, meta }) => ({
      body: await patients.transferPatient(actor, params.patientId, body, meta),
    }),
    listPatientHistory: async ({ actor, params, query, meta }) => ({
      body: await patients.listTransfers(actor, params.patientId, query.limit, query.cursor, meta),
    }),
    listPatientAudit: async ({ actor, params, query, meta }) => ({
      body: await patients.auditTrail(actor, params.patientId, query.limit, query.cursor, meta),
    }),
  },
  { authenticate: bearerAuthentication },
);
