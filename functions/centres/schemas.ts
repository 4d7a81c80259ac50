import * as z from 'zod';
import { roles } from '#shared/access/actor';
import { ulidSchema } from '#shared/ids';
import {
  addressSchema,
  emailSchema,
  localeSchema,
  nameSchema,
  passwordSchema,
  timeZoneSchema,
  totpEnrolmentSchema,
} from '#shared/schemas';
import { phoneSchema } from '#shared/phone/schema';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const openingHoursSchema = z
  .array(
    z
      .strictObject({
        day: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
        opens: time,
        closes: time,
      })
      .refine((slot) => slot.opens < slot.closes, {
        message: 'opens must be before closes',
        path: ['closes'],
      }),
  )
  .max(50);

export const locationInputSchema = z.strictObject({
  locationId: ulidSchema.optional(),
  name: nameSchema,
  address: addressSchema.optional(),
});

/** Belgian (BE0 + 9 digits) or French (FR + 2 + 9) VAT numbers, other EU formats loosely. */
export const vatNumberSchema = z
  .string()
  .transform((v) => v.replace(/[\s.-]/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^(BE[01]\d{9}|FR[0-9A-Z]{2}\d{9}|[A-Z]{2}[0-9A-Z]{2,12})$/, 'must be a VAT number, e.g. BE0123456789'),
  );

export const centreProfileFields = {
  name: nameSchema,
  address: addressSchema.optional(),
  vatNumber: vatNumberSchema.optional(),
  phone: phoneSchema.optional(),
  email: emailSchema.optional(),
  timeZone: timeZoneSchema.optional(),
  locale: localeSchema.optional(),
  openingHours: openingHoursSchema.optional(),
  locations: z.array(locationInputSchema).max(50).optional(),
};

export const createCentreSchema = z.strictObject({
  ...centreProfileFields,
  kind: z.enum(['centre', 'independent']).default('centre'),
});

export const updateCentreSchema = z.strictObject({
  version: z.number().int().min(1),
  ...centreProfileFields,
  name: nameSchema.optional(),
});

export const locationSchema = z.object({
  locationId: ulidSchema,
  name: z.string(),
  address: addressSchema.optional(),
});

export const centreSchema = z.object({
  centreId: ulidSchema,
  kind: z.enum(['centre', 'independent']),
  name: z.string(),
  address: addressSchema.optional(),
  vatNumber: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  timeZone: z.string(),
  locale: localeSchema,
  openingHours: openingHoursSchema,
  locations: z.array(locationSchema),
  status: z.enum(['active', 'closed']),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type Centre = z.infer<typeof centreSchema>;
export type CreateCentreInput = z.infer<typeof createCentreSchema>;
export type UpdateCentreInput = z.infer<typeof updateCentreSchema>;

export const licenceFeatures = [
  'patients',
  'agenda',
  'online_booking',
  'reminders',
  'billing',
  'portal',
  'imaging',
  'documents',
  'exports',
] as const;
export const licenceFeatureSchema = z.enum(licenceFeatures);

export const licenceFeaturesSchema = z
  .array(licenceFeatureSchema)
  .max(20)
  .refine((f) => new Set(f).size === f.length, 'features must not repeat');

export const licenceSchema = z.object({
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
export type Licence = z.infer<typeof licenceSchema>;

export const membershipSchema = z.object({
  centreId: ulidSchema,
  centreName: z.string(),
  userId: ulidSchema,
  role: z.enum(roles),
  status: z.enum(['active', 'suspended']),
  servedPractitionerIds: z.array(ulidSchema),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  joinedAt: z.iso.datetime(),
  version: z.number().int().describe('Send it back to change the member (optimistic locking)'),
});
export type Membership = z.infer<typeof membershipSchema>;

export const invitationStatuses = ['pending', 'accepted', 'revoked'] as const;

export const invitationSchema = z.object({
  invitationId: ulidSchema,
  email: z.string(),
  role: z.enum(roles),
  servedPractitionerIds: z.array(ulidSchema),
  status: z.enum(invitationStatuses),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  userId: ulidSchema.optional().describe('Accepted: the account that joined'),
  acceptedAt: z.iso.datetime().optional().describe('Accepted: when'),
});

export const sentInvitationSchema = invitationSchema.extend({
  delivery: z
    .enum(['sent', 'failed'])
    .describe('Whether the e-mail carrying the acceptance link went out; when failed, resend the invitation'),
});

export const createInvitationSchema = z.strictObject({
  email: emailSchema,
  role: z.enum(roles),
  servedPractitionerIds: z.array(ulidSchema).max(100).optional(),
});
export type InvitationInput = z.output<typeof createInvitationSchema>;

export const updateStaffMemberSchema = z.strictObject({
  version: z.number().int().min(1).describe('The version read: a stale version answers 409'),
  role: z.enum(roles).optional(),
  status: z.enum(['active', 'suspended']).optional(),
  servedPractitionerIds: z.array(ulidSchema).max(100).optional(),
});

export const signUpSchema = z.strictObject({
  centre: createCentreSchema,
  manager: z.strictObject({
    email: emailSchema,
    password: passwordSchema,
    firstName: nameSchema,
    lastName: nameSchema,
  }),
});

export type SignUpInput = z.infer<typeof signUpSchema>;

export const signUpRequestedSchema = z.object({
  status: z
    .literal('check_email')
    .describe(
      'Always this answer, whether or not the address has an account: what happens next is told by e-mail to the address',
    ),
});

export const confirmSignUpSchema = z.strictObject({
  token: z.string().min(20).max(256).describe('The token of the link e-mailed by POST /auth/sign-up'),
});

export const signUpResultSchema = z.object({
  centreId: ulidSchema,
  userId: ulidSchema,
  totp: totpEnrolmentSchema.describe(
    'Managers must sign in with a TOTP code: enrol this secret in an authenticator app',
  ),
});

export const acceptInvitationSchema = z.strictObject({
  token: z.string().min(20).max(256),
  password: passwordSchema,
  firstName: nameSchema.optional(),
  lastName: nameSchema.optional(),
});

export const acceptInvitationResultSchema = z.object({
  userId: ulidSchema,
  centreId: ulidSchema,
  role: z.enum(roles),
  totp: totpEnrolmentSchema.optional(),
});

export const meSchema = z.object({
  userId: ulidSchema,
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  totpEnabled: z.boolean(),
  current: z.object({ centreId: ulidSchema, role: z.enum(roles) }),
  memberships: z.array(membershipSchema),
});

/** The daily invitation-expiry schedule's payload. */
export const expiryPayloadSchema = z.strictObject({
  /** How many days back a run looks, so that runs missed during an outage are caught up. */
  lookbackDays: z.number().int().min(1).max(30),
});
export type ExpiryPayload = z.infer<typeof expiryPayloadSchema>;

/** One message of the invitation-expired queue: an invitation found expired as of the run's intended time. */
export const expiredInvitationSchema = z.strictObject({
  centreId: ulidSchema,
  invitationId: ulidSchema,
  asOf: z.iso.datetime(),
});
export type ExpiredInvitation = z.infer<typeof expiredInvitationSchema>;
