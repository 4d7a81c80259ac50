import * as z from 'zod';
import { roles } from '#shared/access/actor';
import { ulidSchema } from '#shared/ids';
import { emailSchema } from '#shared/schemas';

export const totpCodeSchema = z.string().regex(/^\d{6}$/, 'must be 6 digits');
const deviceId = z.string().trim().min(8).max(128).optional();

export const signInSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  centreId: ulidSchema.optional(),
  deviceId,
});

export const mfaSchema = z.strictObject({ mfaToken: z.string().min(10).max(4096), code: totpCodeSchema });
export const refreshSchema = z.strictObject({ refreshToken: z.string().min(20).max(256) });
export const totpConfirmSchema = z.strictObject({ code: totpCodeSchema });

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

export const signInEventSchema = z.object({
  eventId: ulidSchema,
  at: z.iso.datetime(),
  outcome: z.enum(['success', 'mfa_required', 'invalid_password', 'invalid_code']),
  sourceIp: z.string(),
  userAgent: z.string(),
  centreId: ulidSchema.optional(),
});
export type SignInEvent = z.infer<typeof signInEventSchema>;

export const deviceSchema = z.object({
  deviceKey: z.string(),
  userAgent: z.string(),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  lastSourceIp: z.string(),
});
export type Device = z.infer<typeof deviceSchema>;
