import * as z from 'zod';
import { toE164 } from './phone';

/**
 * The phone field schema, apart from the other shared field schemas (shared/schemas.ts) so that a
 * function with no phone field does not bundle libphonenumber-js and its metadata (≈ 58 KB).
 */
/** Phones are stored in E.164; national numbers are read as Belgian (shared/phone/phone.ts). */
export const phoneSchema = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const e164 = toE164(value);
    if (e164) return e164;
    ctx.addIssue({ code: 'custom', message: 'must be a valid phone number (E.164, e.g. +32470123456)' });
    return z.NEVER;
  });
