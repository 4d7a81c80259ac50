import * as z from 'zod';
import { ulidSchema } from '#shared/ids';
import { isoDateSchema, pageQuery } from '#shared/schemas';

/**
 * The agenda's fields. Instants are stored and answered in UTC (ISO 8601, milliseconds, `Z`) with the
 * centre's time zone beside them; an instant sent without an offset is read in the centre's zone.
 * Times are on a 5-minute grid (the occupied-time cells, docs/decisions/0018-agenda-occupied-time.md).
 */
export const GRID_MINUTES = 5;
/** The longest appointment: its cells, the appointment and its audit fit one transaction (≤ 100 items). */
export const MAX_APPOINTMENT_MINUTES = 240;
export const MAX_SERIES_OCCURRENCES = 52;

const onGrid = (minutes: number) => minutes % GRID_MINUTES === 0;
export const durationSchema = z
  .number()
  .int()
  .min(GRID_MINUTES)
  .max(MAX_APPOINTMENT_MINUTES)
  .refine(onGrid, `must be a multiple of ${GRID_MINUTES} minutes`);

/** An instant: with an offset or `Z`, or a local date-time read in the centre's time zone. */
export const instantInputSchema = z.iso
  .datetime({ offset: true, local: true, precision: -1 })
  .refine((t) => t >= '2000-01-01' && t < '2100-01-01', 'must be between the years 2000 and 2099')
  .describe('ISO 8601 date-time to the minute; without an offset it is read in the centre’s time zone');

/** A local date of the agenda: years 2000–2099 (keys sort as text; far dates would not). */
export const agendaDateSchema = isoDateSchema.refine(
  (d) => d >= '2000-01-01' && d <= '2099-12-31',
  'must be a date between 2000-01-01 and 2099-12-31',
);

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const text = (max: number) => z.string().trim().min(1, 'required').max(max);
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const videoLink = z
  .url({ protocol: /^https$/, error: 'must be an https:// link' })
  .max(500)
  .describe('Tele-practice video link (https)');
const travelSchema = z.strictObject({
  fromLocationId: ulidSchema,
  toLocationId: ulidSchema,
  kilometres: z.number().min(0).max(1000).optional(),
});

export const appointmentStatuses = ['booked', 'confirmed', 'done', 'no_show', 'cancelled'] as const;
export type AppointmentStatus = (typeof appointmentStatuses)[number];

// --- Appointment types -------------------------------------------------------------------------

export const appointmentTypeInputSchema = z.strictObject({
  name: text(100).describe('The reason shown in agendas, e.g. "Séance individuelle 30′"'),
  durationMinutes: durationSchema,
  priceCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]{1,20}$/, 'must be a nomenclature or price code (letters, digits, . -)')
    .optional(),
  episodeKind: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be a kind of session, e.g. individual-30')
    .optional()
    .describe('Which quota of a care episode a session of this type consumes'),
  episodeUnits: z.number().int().min(1).max(4).optional().describe('Sessions of the quota one session counts for'),
  teleconsultation: z.boolean().optional(),
});
export const appointmentTypeSchema = z.object({
  appointmentTypeId: ulidSchema,
  name: z.string(),
  durationMinutes: z.number().int(),
  priceCode: z.string().optional(),
  episodeKind: z.string().optional(),
  episodeUnits: z.number().int(),
  teleconsultation: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type AppointmentType = z.infer<typeof appointmentTypeSchema>;

// --- Opening hours, online booking ---------------------------------------------------------------

export const hoursInputSchema = z.strictObject({
  hours: z
    .array(
      z
        .strictObject({ day: weekday, opens: timeOfDay, closes: timeOfDay, locationId: ulidSchema.optional() })
        .refine((h) => h.opens < h.closes, { message: 'opens must be before closes', path: ['closes'] })
        .refine((h) => onGrid(Number(h.opens.slice(3))) && onGrid(Number(h.closes.slice(3))), {
          message: `times must be on the ${GRID_MINUTES}-minute grid`,
          path: ['opens'],
        }),
    )
    .max(50),
  slotMinutes: durationSchema.optional().describe('Step of the free-slot grid (default: 15)'),
});
export const hoursSchema = z.object({
  practitionerId: ulidSchema,
  hours: z.array(z.object({ day: weekday, opens: z.string(), closes: z.string(), locationId: ulidSchema.optional() })),
  slotMinutes: z.number().int(),
  source: z.enum(['practitioner', 'centre']).describe('Whose hours apply: the practitioner’s own or the centre’s'),
});
export type Hours = z.infer<typeof hoursSchema>;

export const onlineBookingInputSchema = z.strictObject({
  enabled: z.boolean(),
  practitionerIds: z.array(ulidSchema).max(50),
  appointmentTypeIds: z.array(ulidSchema).max(50),
  horizonDays: z.number().int().min(1).max(365),
  minNoticeHours: z.number().int().min(0).max(336),
});
export const onlineBookingSchema = onlineBookingInputSchema.extend({ updatedAt: z.iso.datetime().optional() });
export type OnlineBooking = z.infer<typeof onlineBookingSchema>;

// --- Centre agenda: events and absences ----------------------------------------------------------

export const eventKinds = [
  'meeting',
  'information_session',
  'leave',
  'sick_leave',
  'birthday',
  'news',
  'event',
] as const;
/** Kinds that make a practitioner unavailable: no booking overlaps them, free slots skip them. */
export const absenceKinds: readonly string[] = ['leave', 'sick_leave'];

export const centreEventInputSchema = z
  .strictObject({
    kind: z.enum(eventKinds),
    title: text(200),
    start: instantInputSchema,
    end: instantInputSchema,
    userIds: z
      .array(ulidSchema)
      .max(99)
      .optional()
      .describe('Staff it concerns (all staff when absent); leave and sick leave: exactly one'),
    details: z.string().trim().max(2000).optional(),
  })
  .refine((e) => !absenceKinds.includes(e.kind) || e.userIds?.length === 1, {
    message: 'leave and sick leave concern exactly one staff member',
    path: ['userIds'],
  });
export const centreEventSchema = z.object({
  eventId: ulidSchema,
  kind: z.enum(eventKinds),
  title: z.string(),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  userIds: z.array(ulidSchema),
  details: z.string().optional(),
  createdBy: ulidSchema,
  createdAt: z.iso.datetime(),
});
export type CentreEvent = z.infer<typeof centreEventSchema>;
export const eventsQuery = z.strictObject({
  from: isoDateSchema,
  days: z.coerce.number().int().min(1).max(62).default(7),
});

// --- Appointments --------------------------------------------------------------------------------

const recurrenceSchema = z
  .strictObject({
    everyWeeks: z.number().int().min(1).max(8),
    count: z.number().int().min(2).max(MAX_SERIES_OCCURRENCES).optional(),
    until: agendaDateSchema.optional(),
  })
  .refine((r) => (r.count === undefined) !== (r.until === undefined), {
    message: 'give either count or until',
    path: ['count'],
  });

export const createAppointmentSchema = z.strictObject({
  practitionerId: ulidSchema.optional().describe('Default: the calling practitioner'),
  patientId: ulidSchema,
  appointmentTypeId: ulidSchema,
  start: instantInputSchema,
  durationMinutes: durationSchema.optional().describe('Default: the type’s duration'),
  locationId: ulidSchema.optional(),
  notes: z.string().trim().max(4000).optional().describe('Clinical notes (not secretaries)'),
  videoLink: videoLink.optional(),
  travel: travelSchema.optional(),
  episodeId: ulidSchema.optional().describe('The care episode whose quota the session consumes'),
  overrideQuota: z
    .strictObject({ reason: text(500) })
    .optional()
    .describe('Book beyond the episode’s quota or after its expiry (managers, the practitioner)'),
  recurrence: recurrenceSchema.optional(),
});
export type CreateAppointmentInput = z.infer<typeof createAppointmentSchema>;

const versionField = z.number().int().min(1).describe('The version read (optimistic locking)');
const scopeField = z
  .enum(['occurrence', 'following'])
  .default('occurrence')
  .describe('A series: this occurrence only, or this one and the following');

export const moveAppointmentSchema = z.strictObject({
  version: versionField,
  start: instantInputSchema,
  durationMinutes: durationSchema.optional(),
  practitionerId: ulidSchema.optional(),
  locationId: ulidSchema.optional(),
  scope: scopeField,
});
export type MoveAppointmentInput = z.infer<typeof moveAppointmentSchema>;

export const cancelAppointmentSchema = z.strictObject({
  version: versionField,
  reason: text(500),
  scope: scopeField,
});
export const appointmentStatusSchema = z.strictObject({
  version: versionField,
  status: z.enum(['confirmed', 'done', 'no_show']),
});
export const updateAppointmentSchema = z.strictObject({
  version: versionField,
  notes: z.string().trim().max(4000).nullable().optional(),
  videoLink: videoLink.nullable().optional(),
  locationId: ulidSchema.nullable().optional(),
  travel: travelSchema.nullable().optional(),
});
export type UpdateAppointmentInput = z.infer<typeof updateAppointmentSchema>;

const stamp = z.object({ by: ulidSchema, at: z.iso.datetime() });
export const appointmentSchema = z.object({
  appointmentId: ulidSchema,
  practitionerId: ulidSchema,
  patientId: ulidSchema,
  patient: z.object({ firstName: z.string(), lastName: z.string() }),
  appointmentTypeId: ulidSchema,
  typeName: z.string(),
  priceCode: z.string().optional(),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  timeZone: z.string(),
  localDate: isoDateSchema,
  localStart: z.string().describe('Wall-clock start in the centre’s zone, YYYY-MM-DDTHH:mm'),
  durationMinutes: z.number().int(),
  status: z.enum(appointmentStatuses),
  locationId: ulidSchema.optional(),
  notes: z.string().optional(),
  videoLink: z.string().optional(),
  travel: travelSchema.optional(),
  episodeId: ulidSchema.optional(),
  units: z.number().int(),
  seriesId: ulidSchema.optional(),
  seriesIndex: z.number().int().optional(),
  quotaOverride: stamp.extend({ reason: z.string() }).optional(),
  cancellation: stamp.extend({ reason: z.string() }).optional(),
  statusChange: stamp.optional(),
  sequence: z.number().int().describe('Raised on every change (iCalendar SEQUENCE)'),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  createdBy: ulidSchema,
  updatedAt: z.iso.datetime(),
});
export type Appointment = z.infer<typeof appointmentSchema>;

export const bookingSchema = appointmentSchema.extend({
  occurrences: z
    .array(z.object({ appointmentId: ulidSchema, start: z.iso.datetime() }))
    .optional()
    .describe('A series: every occurrence booked, the first one being this appointment'),
  alerts: z.array(z.string()).optional(),
});
export const moveResultSchema = appointmentSchema.extend({
  movedAppointmentIds: z
    .array(ulidSchema)
    .optional()
    .describe('A series moved from this occurrence on: every occurrence moved'),
});
export const cancellationSchema = appointmentSchema.extend({
  cancelledAppointmentIds: z.array(ulidSchema).describe('Every occurrence cancelled by this call'),
});

export const agendaQuery = z.strictObject({
  from: agendaDateSchema,
  days: z.coerce.number().int().min(1).max(7).default(1),
});
export const freeSlotsQuery = z.strictObject({
  appointmentTypeId: ulidSchema,
  from: agendaDateSchema,
  days: z.coerce.number().int().min(1).max(28).default(7),
  locationId: ulidSchema.optional(),
});
export const freeSlotsSchema = z.object({
  practitionerId: ulidSchema,
  timeZone: z.string(),
  durationMinutes: z.number().int(),
  slots: z.array(
    z.object({
      start: z.iso.datetime(),
      end: z.iso.datetime(),
      localStart: z.string(),
      locationId: ulidSchema.optional(),
    }),
  ),
});
export const dayQuery = z.strictObject({ ...pageQuery, limit: z.coerce.number().int().min(1).max(400).default(400) });
export const dayPageSchema = z.object({
  date: isoDateSchema,
  timeZone: z.string(),
  items: z.array(appointmentSchema),
  nextCursor: z.string().optional(),
});
export const closeDaySchema = z.strictObject({
  noShowIds: z.array(ulidSchema).max(120).optional().describe('Sessions of the day the patient did not attend'),
});
const quotaAlertSchema = z.object({ episodeId: ulidSchema, patientId: ulidSchema, usedPercent: z.number() });
export const statusResultSchema = appointmentSchema.extend({
  alerts: z.array(quotaAlertSchema).optional().describe('Care episodes this close took past 80 % of their sessions'),
});
export const closeDayResultSchema = z.object({
  done: z.array(ulidSchema),
  noShow: z.array(ulidSchema),
  remaining: z.number().int().describe('Sessions of the day still open (past the 120 of one call, or still ahead)'),
  alerts: z.array(quotaAlertSchema),
});
export const patientAppointmentsQuery = z.strictObject({
  ...pageQuery,
  when: z.enum(['upcoming', 'past']).default('upcoming'),
});

// --- Care episodes -------------------------------------------------------------------------------

export const createCareEpisodeSchema = z
  .strictObject({
    prescriptionDate: isoDateSchema,
    prescriber: text(200).optional(),
    agreement: z.strictObject({ reference: text(60), date: isoDateSchema }).optional(),
    grants: z
      .array(
        z.strictObject({ kind: z.string().regex(/^[a-z0-9-]{1,40}$/), sessions: z.number().int().min(1).max(500) }),
      )
      .min(1)
      .max(10)
      .refine((g) => new Set(g.map((x) => x.kind)).size === g.length, 'each kind once'),
    expiresOn: isoDateSchema,
  })
  .refine((e) => e.prescriptionDate <= e.expiresOn, {
    message: 'must not be before the prescription',
    path: ['expiresOn'],
  });
export type CreateCareEpisodeInput = z.infer<typeof createCareEpisodeSchema>;

export const careEpisodeSchema = z.object({
  episodeId: ulidSchema,
  patientId: ulidSchema,
  practitionerId: ulidSchema,
  prescriptionDate: isoDateSchema,
  prescriber: z.string().optional(),
  agreement: z.object({ reference: z.string(), date: isoDateSchema }).optional(),
  expiresOn: isoDateSchema,
  quotas: z.array(
    z.object({
      kind: z.string(),
      granted: z.number().int(),
      used: z.number().int().describe('Done sessions'),
      planned: z.number().int().describe('Booked or confirmed sessions ahead'),
      remaining: z.number().int().describe('granted − used − planned (negative after an override)'),
    }),
  ),
  usedPercent: z.number(),
  alert: z.object({ at: z.iso.datetime(), usedPercent: z.number() }).optional().describe('Set once 80 % is used'),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  createdBy: ulidSchema,
});
export type CareEpisode = z.infer<typeof careEpisodeSchema>;

// --- Calendar sharing ----------------------------------------------------------------------------

export const calendarLinkSchema = z.object({
  linkId: ulidSchema,
  kind: z.enum(['practitioner', 'patient']),
  ownerId: ulidSchema,
  createdAt: z.iso.datetime(),
  createdBy: ulidSchema,
  expiresAt: z.iso.datetime().optional(),
});
export const newCalendarLinkSchema = calendarLinkSchema.extend({
  url: z.string().describe('The private address (shown once: only its hash is stored)'),
});
export type CalendarLink = z.infer<typeof calendarLinkSchema>;
