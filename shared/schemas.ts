import * as z from 'zod';
import { toE164 } from '#shared/phone/phone';

/** Shared field schemas: one definition of what a valid phone, e-mail, date or locale is. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an e-mail address'))
  .transform((value) => value.toLowerCase());

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

export const isoDateSchema = z.iso.date('must be a date YYYY-MM-DD');

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone, e.g. Europe/Brussels');

export const localeSchema = z.enum(['fr-BE', 'nl-BE', 'de-BE', 'fr-FR', 'en']);

export const nameSchema = z.string().trim().min(1, 'required').max(100);

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
};

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  instance: z.string(),
  requestId: z.string(),
  fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
