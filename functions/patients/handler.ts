import { bearerAuthentication, cursorKey } from '#contexts/identity';
import { createHttpHandler } from '#shared/http/pipeline';
import { patientsRoutes } from './routes';
import {
  createPatient,
  getPatient,
  listPatientAudit,
  listPatientHistory,
  listPatients,
  transferPatient,
  updatePatient,
} from './service';

/** The patients function. */
export const handler = createHttpHandler(
  patientsRoutes,
  { authenticators: { staff: bearerAuthentication }, cursorKey },
  {
    createPatient: ({ principal, body, origin }) => createPatient(principal, body, origin),
    listPatients: ({ principal, query, origin, cursors }) => listPatients(principal, query, origin, cursors),
    getPatient: ({ principal, params, origin }) => getPatient(principal, params.patientId, origin),
    updatePatient: ({ principal, params, body, origin }) => updatePatient(principal, params.patientId, body, origin),
    transferPatient: ({ principal, params, body, origin }) =>
      transferPatient(principal, params.patientId, body, origin),
    listPatientHistory: ({ principal, params, query, origin, cursors }) =>
      listPatientHistory(principal, params.patientId, query, origin, cursors),
    listPatientAudit: ({ principal, params, query, origin, cursors }) =>
      listPatientAudit(principal, params.patientId, query, origin, cursors),
  },
);
