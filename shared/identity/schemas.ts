import * as z from 'zod';
import { createCentreSchema } from '#shared/centres/schemas';
import { roles } from '#shared/identity/actor';
import { ulidSchema } from '#shared/ids';
import { emailSchema, nameSchema } from '#shared/schemas';

/** At least 12 characters (NIST SP 800-63B); no composition rules; at most 256. */
export const passwordSchema = z.string().min(12, 'must have at least 12 characters').max(256);
const totpCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');
const deviceId = z.string().trim().min(8).max(128).optional();

export const signUpSchema = z.strictObject({
  centre: createCentreSchema,
  manager: z.strictObject({
    email: emailSchema,
    password: passwordSchema,
    firstName: nameSchema,
    lastName: nameSchema,
  }),
});

export const signInSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  centreId: ulidSchema.optional(),
  deviceId,
});

export const mfaSchema = z.strictObject({ mfaToken: z.string().min(10).max(4096), code: totpCode });
export const refreshSchema = z.strictObject({ refreshToken: z.string().min(20).max(256) });
export const totpConfirmSchema = z.strictObject({ code: totpCode });

export const acceptInvitationSchema = z.strictObject({
  token: z.string().min(20).max(256),
  password: passwordSchema,
  firstName: nameSchema.optional(),
  lastName: nameSchema.optional(),
});

export const totpEnrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string() });

export const sessionSchema = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  userId: ulidSchema,
  centreId: ulidSchema,
  role: z.enum(roles),
});

export const signInResultSchema = z.union([
  sessionSchema.extend({ mfaRequired: z.literal(false) }),
  z.object({ mfaRequired: z.literal(true), mfaToken: z.string(), expiresIn: z.number().int() }),
]);

export const signUpResultSchema = z.object({
  centreId: ulidSchema,
  userId: ulidSchema,
  totp: totpEnrolmentSchema.describe(
    'Managers must sign in with a TOTP code: enrol this secret in an authenticator app',
  ),
});

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

export const meSchema = z.object({
  userId: ulidSchema,
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  totpEnabled: z.boolean(),
  current: z.object({ centreId: ulidSchema, role: z.enum(roles) }),
  memberships: z.array(membershipSchema),
});

export const signInEventSchema = z.object({
  eventId: ulidSchema,
  at: z.iso.datetime(),
  outcome: z.enum(['success', 'mfa_required', 'invalid_password', 'invalid_code']),
  sourceIp: z.string(),
  userAgent: z.string(),
  centreId: ulidSchema.optional(),
});

export const deviceSchema = z.object({
  deviceKey: z.string(),
  userAgent: z.string(),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  lastSourceIp: z.string(),
});

export const acceptInvitationResultSchema = z.object({
  userId: ulidSchema,
  centreId: ulidSchema,
  role: z.enum(roles),
  totp: totpEnrolmentSchema.optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });
