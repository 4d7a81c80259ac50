import * as z from 'zod';
import { ulidSchema } from '#shared/ids';

/** An audit event as the API shows it (P5): who, when, what, from where — never data values. */
export const auditEventSchema = z.object({
  eventId: ulidSchema,
  at: z.iso.datetime(),
  action: z.string(),
  actorId: z.string().describe('A user id; for a link, the link or message id; for a scheduled job, its name'),
  actorRole: z.string().describe('manager, practitioner, secretary, calendar-link, reminder-link or system'),
  requestId: z.string(),
  sourceIp: z.string(),
  userAgent: z.string(),
  patientId: ulidSchema.optional().describe('The file read or written'),
  patientIds: z.array(ulidSchema).optional().describe('For a list or search: the patients it returned'),
  fields: z.array(z.string()).optional().describe('Names of the fields written (never their values)'),
  recordIds: z.array(ulidSchema).optional().describe('Records of the file touched (appointments, care episodes)'),
  listEventId: ulidSchema
    .optional()
    .describe("In a patient's trail: the list or search that returned the patient (its event in the actor's trail)"),
  search: z
    .enum(['name', 'phone', 'birthDate'])
    .optional()
    .describe('For a list or search: which kind of search (never the value searched)'),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;
