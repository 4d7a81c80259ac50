import * as z from 'zod';
import { ulidSchema } from '#shared/ids';
import { normaliseName } from './names';
import { addressSchema, emailSchema, isoDateSchema, localeSchema, nameSchema, pageQuery } from '#shared/schemas';
import { phoneSchema } from '#shared/phone/schema';

/** Belgian mutual insurer organisations (DOMAIN.md): eFact batches go per organisation. */
export const insurerOrganisations = ['100', '200', '300', '306', '400', '500', '600', '900'] as const;

/** Belgian national register number (NISS): 11 digits, modulo-97 check (born before/after 2000). */
export const nationalRegisterNumberSchema = z
  .string()
  .transform((v) => v.replace(/[\s.-]/g, ''))
  .refine((v) => {
    if (!/^\d{11}$/.test(v)) return false;
    const body = v.slice(0, 9);
    const check = Number(v.slice(9));
    return 97 - (Number(body) % 97) === check || 97 - (Number(`2${body}`) % 97) === check;
  }, 'must be a Belgian national register number (11 digits, valid check digits)');

const birthDate = isoDateSchema.refine(
  (d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10),
  'must be a past date after 1900',
);

export const relatedPersonInputSchema = z.strictObject({
  relatedPersonId: ulidSchema.optional(),
  relation: z.enum(['parent1', 'parent2', 'guardian', 'financial_responsible']),
  firstName: nameSchema,
  lastName: nameSchema,
  phone: phoneSchema.optional(),
  email: emailSchema.optional(),
  isFinancialResponsible: z.boolean().default(false),
});

export const correspondentInputSchema = z.strictObject({
  correspondentId: ulidSchema.optional(),
  name: nameSchema,
  profession: z.string().trim().min(1).max(100),
  phone: phoneSchema.optional(),
  email: emailSchema.optional(),
  inamiNumber: z
    .string()
    .regex(/^\d{11}$/, 'must be an 11-digit INAMI/RIZIV number')
    .optional(),
});

export const insurerSchema = z.strictObject({
  organisationCode: z.enum(insurerOrganisations),
  memberNumber: z.string().trim().max(40).optional(),
  ct1: z
    .string()
    .regex(/^\d{3}$/, 'must be 3 digits')
    .optional(),
  ct2: z
    .string()
    .regex(/^\d{3}$/, 'must be 3 digits')
    .optional(),
});

/** Fields a caller may set; optional ones may be cleared on update by sending null. */
const requiredFields = { firstName: nameSchema, lastName: nameSchema, birthDate };
const optionalFields = {
  sex: z.enum(['F', 'M', 'X']),
  nationalRegisterNumber: nationalRegisterNumberSchema,
  phone: phoneSchema,
  email: emailSchema,
  address: addressSchema,
  locale: localeSchema,
  insurer: insurerSchema,
  notes: z.string().max(10_000).describe('Clinical notes: not visible to secretaries'),
};
/**
 * Ids the client sends back must not repeat within a list: each id is one person, and a related
 * person's id is part of their phone look-up key (two writes of one key fail the transaction).
 */
const uniqueIds =
  <K extends string>(idField: K) =>
  (items: Partial<Record<K, string>>[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const id = item[idField];
      if (id === undefined) return;
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: [index, idField], message: `repeats an earlier ${idField}` });
      seen.add(id);
    });
  };

const listFields = {
  relatedPersons: z.array(relatedPersonInputSchema).max(10).superRefine(uniqueIds('relatedPersonId')),
  correspondents: z.array(correspondentInputSchema).max(20).superRefine(uniqueIds('correspondentId')),
  portalOptOut: z.boolean().describe('R5: the patient refuses online sync (portal)'),
};
type Optionals = typeof optionalFields;
type Lists = typeof listFields;
type Required = typeof requiredFields;

const mapValues = <T extends Record<string, z.ZodType>, R extends z.ZodType>(shape: T, f: (s: T[keyof T]) => R) =>
  Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, f(s as T[keyof T])])) as { [K in keyof T]: R };

export const createPatientSchema = z.strictObject({
  ...requiredFields,
  ...(mapValues(optionalFields, (s) => s.optional()) as {
    [K in keyof Optionals]: z.ZodOptional<Optionals[K]>;
  }),
  ...(mapValues(listFields, (s) => s.optional()) as { [K in keyof Lists]: z.ZodOptional<Lists[K]> }),
  practitionerId: ulidSchema
    .optional()
    .describe('Defaults to the signed-in practitioner; required for managers and secretaries'),
});

export const updatePatientSchema = z.strictObject({
  version: z.number().int().min(1).describe('The version read: a stale version answers 409'),
  ...(mapValues(requiredFields, (s) => s.optional()) as {
    [K in keyof Required]: z.ZodOptional<Required[K]>;
  }),
  ...(mapValues(optionalFields, (s) => s.nullable().optional()) as {
    [K in keyof Optionals]: z.ZodOptional<z.ZodNullable<Optionals[K]>>;
  }),
  ...(mapValues(listFields, (s) => s.optional()) as { [K in keyof Lists]: z.ZodOptional<Lists[K]> }),
});
export type CreatePatientInput = z.infer<typeof createPatientSchema>;
export type UpdatePatientInput = z.infer<typeof updatePatientSchema>;

export const transferPatientSchema = z.strictObject({
  toPractitionerId: ulidSchema,
  version: z.number().int().min(1),
  reason: z.string().trim().max(500).optional(),
});

export const patientSchema = z.object({
  patientId: ulidSchema,
  practitionerId: ulidSchema,
  firstName: z.string(),
  lastName: z.string(),
  birthDate: z.string(),
  sex: z.enum(['F', 'M', 'X']).optional(),
  nationalRegisterNumber: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  address: addressSchema.optional(),
  locale: localeSchema.optional(),
  insurer: insurerSchema.optional(),
  relatedPersons: z.array(relatedPersonInputSchema.extend({ relatedPersonId: ulidSchema })),
  correspondents: z.array(correspondentInputSchema.extend({ correspondentId: ulidSchema })),
  notes: z.string().optional(),
  portalOptOut: z.boolean(),
  status: z.enum(['active', 'archived']),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  createdBy: ulidSchema,
});
export type Patient = z.infer<typeof patientSchema> & { centreId: string };

export const patientSummarySchema = patientSchema.pick({
  patientId: true,
  practitionerId: true,
  firstName: true,
  lastName: true,
  birthDate: true,
  phone: true,
  status: true,
});

export const listPatientsQuery = z
  .strictObject({
    ...pageQuery,
    lastName: z
      .string()
      .trim()
      .min(1)
      .max(100)
      // An empty normalised prefix would match every name: the whole centre, not a search.
      .refine((prefix) => normaliseName(prefix) !== '', 'must contain at least one letter or digit')
      .optional()
      .describe('Last-name prefix (accents, case, spaces and punctuation ignored; any script)'),
    phone: phoneSchema
      .optional()
      .describe('Patient or related person phone: every match in one answer (no cursor, limit ignored)'),
    birthDate: isoDateSchema
      .optional()
      .describe('Every patient born that day in one answer (no cursor, limit ignored)'),
    practitionerId: ulidSchema
      .optional()
      .describe("Only this practitioner's patients; required for a name listing by a secretary serving several"),
  })
  .refine((q) => [q.lastName, q.phone, q.birthDate].filter(Boolean).length <= 1, {
    message: 'search by one of lastName, phone or birthDate at a time',
    path: ['lastName'],
  })
  .refine((q) => !((q.phone || q.birthDate) && q.cursor), {
    message: 'phone and birth-date searches answer every match at once: they take no cursor',
    path: ['cursor'],
  });

export const transferSchema = z.object({
  transferId: ulidSchema,
  at: z.iso.datetime(),
  by: ulidSchema,
  fromPractitionerId: ulidSchema,
  toPractitionerId: ulidSchema,
  reason: z.string().optional(),
});
export type Transfer = z.infer<typeof transferSchema>;
