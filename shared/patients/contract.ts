import { auditEventSchema } from '#shared/audit/schemas';
import * as z from 'zod';
import type { ContractFor } from '#shared/http/contract';
import { pageOf } from '#shared/identity/schemas';
import { ulidSchema } from '#shared/ids';
import {
  createPatientSchema,
  listPatientsQuery,
  patientSchema,
  patientSummarySchema,
  transferPatientSchema,
  transferSchema,
  updatePatientSchema,
} from '#shared/patients/schemas';
import { pageQuery } from '#shared/schemas';

const patientParams = z.strictObject({ patientId: ulidSchema });

export const patientsContract = {
  createPatient: { body: createPatientSchema, response: patientSchema, successStatus: 201 },
  listPatients: { query: listPatientsQuery, response: pageOf(patientSummarySchema) },
  getPatient: { params: patientParams, response: patientSchema },
  updatePatient: { params: patientParams, body: updatePatientSchema, response: patientSchema },
  transferPatient: { params: patientParams, body: transferPatientSchema, response: patientSchema },
  listPatientHistory: {
    params: patientParams,
    query: z.strictObject(pageQuery),
    response: pageOf(transferSchema),
  },
  listPatientAudit: {
    params: patientParams,
    query: z.strictObject(pageQuery),
    response: pageOf(auditEventSchema),
  },
} satisfies ContractFor<'patients'>;
