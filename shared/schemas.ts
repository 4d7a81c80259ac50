import * as z from 'zod';

/** Shared field schemas: one definition of what a valid phone, e-mail, date or locale is. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an e-mail address'))
  .transform((value) => value.toLowerCase());

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

/** Postal addresses of centres and patients, in the countries Centrum serves and their neighbours. */
export const countrySchema = z.enum(['BE', 'FR', 'LU', 'NL', 'DE']);

export const addressSchema = z.strictObject({
  street: z.string().trim().min(1).max(200),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  country: countrySchema,
});

export const localeSchema = z.enum(['fr-BE', 'nl-BE', 'de-BE', 'fr-FR', 'en']);

export const nameSchema = z.string().trim().min(1, 'required').max(100);

/** Staff passwords: at least 12 characters (NIST SP 800-63B); no composition rules; at most 256. */
export const passwordSchema = z.string().min(12, 'must have at least 12 characters').max(256);

/** A TOTP secret to enrol in an authenticator app, and the same as an otpauth:// URI (QR code). */
export const totpEnrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string() });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
};

/** One page of a listing: `nextCursor` is there when more items follow. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

/**
 * application/problem+json (RFC 9457) with a stable `code`, and the extension members some
 * problems carry: every member any answer may hold is listed here (tests check answers against it).
 */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  instance: z.string(),
  requestId: z.string(),
  fields: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('The failing fields (validation), e.g. `body.phone`'),
  currentVersion: z
    .number()
    .int()
    .optional()
    .describe('`version_conflict`: the version now stored; reload and retry with it'),
  centres: z
    .array(z.object({ centreId: z.string(), centreName: z.string(), role: z.string() }))
    .optional()
    .describe('`centre_choice_required`: the centres the account may sign in to; repeat with one centreId'),
});
