import * as z from 'zod';
import { ulidSchema } from '#shared/ids';
import { emailSchema, localeSchema, nameSchema, phoneSchema, timeZoneSchema } from '#shared/schemas';

export const countrySchema = z.enum(['BE', 'FR', 'LU', 'NL', 'DE']);

export const addressSchema = z.strictObject({
  street: z.string().trim().min(1).max(200),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  country: countrySchema,
});

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
