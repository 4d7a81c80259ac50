import * as z from 'zod';
import { auditEventSchema } from '#shared/audit/schemas';
import { defineRoutes } from '#shared/http/operation';
import { ulidSchema } from '#shared/ids';
import { pageOf, pageQuery } from '#shared/schemas';
import {
  createPatientSchema,
  listPatientsQuery,
  patientSchema,
  patientSummarySchema,
  transferPatientSchema,
  transferSchema,
  updatePatientSchema,
} from './schemas';

const patientParams = z.strictObject({ patientId: ulidSchema });
const staleVersion = 'The version sent is not the current one (`version_conflict`, with `currentVersion`)';
const notAPractitioner = 'Not an active practitioner of this centre (`not_a_practitioner`)';

/** Patients: files, search, transfer, audit trail (R1, R4, R5 flag, P5). */
export const patientsRoutes = defineRoutes([
  {
    operationId: 'createPatient',
    method: 'POST',
    path: '/patients',
    auth: 'staff',
    summary: 'Create a patient file',
    budget: { GetItem: 1, TransactWriteItems: 1 },
    body: createPatientSchema,
    response: patientSchema,
    successStatus: 201,
    errors: { 422: notAPractitioner },
  },
  {
    operationId: 'listPatients',
    method: 'GET',
    path: '/patients',
    auth: 'staff',
    summary: 'List or search patients (name prefix, phone, birth date)',
    // The read, then its audit: one event in the caller's trail and one in each returned patient's
    // (shared/audit/audit.ts), ⌈(n + 1) / 25⌉ BatchWriteItem for n ≤ 100 patients.
    budget: { Query: 1, BatchWriteItem: 5 },
    query: listPatientsQuery,
    response: pageOf(patientSummarySchema),
  },
  {
    operationId: 'getPatient',
    method: 'GET',
    path: '/patients/{patientId}',
    auth: 'staff',
    summary: 'Read a patient file',
    budget: { GetItem: 1, PutItem: 1 },
    params: patientParams,
    response: patientSchema,
  },
  {
    operationId: 'updatePatient',
    method: 'PATCH',
    path: '/patients/{patientId}',
    auth: 'staff',
    summary: 'Update a patient file (optimistic locking)',
    budget: { GetItem: 1, TransactWriteItems: 1 },
    params: patientParams,
    body: updatePatientSchema,
    response: patientSchema,
    errors: { 409: staleVersion },
  },
  {
    operationId: 'transferPatient',
    method: 'POST',
    path: '/patients/{patientId}/transfer',
    auth: 'staff',
    summary: 'Transfer a patient to another practitioner',
    budget: { GetItem: 2, TransactWriteItems: 1 },
    params: patientParams,
    body: transferPatientSchema,
    response: patientSchema,
    errors: {
      409: `${staleVersion}, or already followed by that practitioner (\`already_followed\`)`,
      422: notAPractitioner,
    },
  },
  {
    operationId: 'listPatientHistory',
    method: 'GET',
    path: '/patients/{patientId}/transfers',
    auth: 'staff',
    summary: 'Transfer history of a patient',
    budget: { GetItem: 1, Query: 1, PutItem: 1 },
    params: patientParams,
    query: z.strictObject(pageQuery),
    response: pageOf(transferSchema),
  },
  {
    operationId: 'listPatientAudit',
    method: 'GET',
    path: '/patients/{patientId}/audit',
    auth: 'staff',
    summary: 'Audit trail of a patient file (managers)',
    budget: { GetItem: 1, Query: 1, PutItem: 1 },
    params: patientParams,
    query: z.strictObject(pageQuery),
    response: pageOf(auditEventSchema),
  },
]);
