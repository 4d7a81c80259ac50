import { auditEventSchema } from '#shared/audit/schemas';
import * as z from 'zod';
import { centreSchema, licenceFeatureSchema, updateCentreSchema } from '#shared/centres/schemas';
import type { ContractFor } from '#shared/http/contract';
import { roles } from '#shared/identity/actor';
import { membershipSchema, pageOf } from '#shared/identity/schemas';
import { ulidSchema } from '#shared/ids';
import { emailSchema, pageQuery } from '#shared/schemas';

const licenceSchema = z.object({
  licenceId: ulidSchema,
  centreId: ulidSchema,
  practitionerId: ulidSchema.optional(),
  features: z.array(licenceFeatureSchema),
  status: z.enum(['active', 'revoked']),
  history: z.array(
    z.object({
      at: z.iso.datetime(),
      by: ulidSchema,
      action: z.enum(['created', 'assigned', 'transferred', 'revoked', 'features_changed']),
      from: z.string().optional(),
      to: z.string().optional(),
    }),
  ),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const invitationSchema = z.object({
  invitationId: ulidSchema,
  email: z.string(),
  role: z.enum(roles),
  servedPractitionerIds: z.array(ulidSchema),
  status: z.enum(['pending', 'accepted', 'revoked']),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});

const sentInvitationSchema = invitationSchema.extend({
  delivery: z
    .enum(['sent', 'failed'])
    .describe('Whether the e-mail carrying the acceptance link went out; when failed, resend the invitation'),
});

const features = z
  .array(licenceFeatureSchema)
  .max(20)
  .refine((f) => new Set(f).size === f.length, 'features must not repeat');

export const centresContract = {
  getCentre: { response: centreSchema },
  updateCentre: { body: updateCentreSchema, response: centreSchema },
  listStaff: { query: z.strictObject(pageQuery), response: pageOf(membershipSchema) },
  listStaffAudit: {
    params: z.strictObject({ userId: ulidSchema }),
    query: z.strictObject(pageQuery),
    response: pageOf(auditEventSchema),
  },
  updateStaffMember: {
    params: z.strictObject({ userId: ulidSchema }),
    body: z.strictObject({
      version: z.number().int().min(1).describe('The version read: a stale version answers 409'),
      role: z.enum(roles).optional(),
      status: z.enum(['active', 'suspended']).optional(),
      servedPractitionerIds: z.array(ulidSchema).max(100).optional(),
    }),
    response: membershipSchema,
  },
  createInvitation: {
    body: z.strictObject({
      email: emailSchema,
      role: z.enum(roles),
      servedPractitionerIds: z.array(ulidSchema).max(100).optional(),
    }),
    response: sentInvitationSchema,
    successStatus: 201,
  },
  resendInvitation: { params: z.strictObject({ invitationId: ulidSchema }), response: sentInvitationSchema },
  listInvitations: { query: z.strictObject(pageQuery), response: pageOf(invitationSchema) },
  revokeInvitation: { params: z.strictObject({ invitationId: ulidSchema }), successStatus: 204 },
  listLicences: { query: z.strictObject(pageQuery), response: pageOf(licenceSchema) },
  createLicence: {
    body: z.strictObject({ practitionerId: ulidSchema.optional(), features: features.optional() }),
    response: licenceSchema,
    successStatus: 201,
  },
  getLicence: { params: z.strictObject({ licenceId: ulidSchema }), response: licenceSchema },
  updateLicence: {
    params: z.strictObject({ licenceId: ulidSchema }),
    body: z.strictObject({ features, version: z.number().int().min(1) }),
    response: licenceSchema,
  },
  transferLicence: {
    params: z.strictObject({ licenceId: ulidSchema }),
    body: z.strictObject({ practitionerId: ulidSchema, version: z.number().int().min(1) }),
    response: licenceSchema,
  },
  revokeLicence: { params: z.strictObject({ licenceId: ulidSchema }), successStatus: 204 },
} satisfies ContractFor<'centres'>;
