import * as z from 'zod';
import { ulidSchema } from '#shared/ids';
import { pageOf, pageQuery } from '#shared/schemas';
import { reminderTemplatesSchema } from './templates';

/** The channels a reminder goes by. */
export const channelSchema = z.enum(['sms', 'email']);
export type Channel = z.infer<typeof channelSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');

/** When a reminder is due: N days before at HH:MM local time, or H hours before the start. */
export const timingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('daysBefore'), days: z.number().int().min(1).max(14), at: hhmm }),
  z.strictObject({ kind: z.literal('hoursBefore'), hours: z.number().int().min(1).max(72) }),
]);
export type Timing = z.infer<typeof timingSchema>;

export const MAX_RULES = 4;

export const ruleInputSchema = z.strictObject({
  ruleId: ulidSchema.optional().describe('Kept when sent back; a new rule gets one'),
  channel: channelSchema,
  timing: timingSchema,
  appointmentTypeIds: z
    .array(ulidSchema)
    .max(50)
    .optional()
    .describe('Only for these appointment types; absent: every type'),
});
export const ruleSchema = ruleInputSchema.extend({ ruleId: ulidSchema });
export type Rule = z.infer<typeof ruleSchema>;

const rulesList = <T extends z.ZodType>(input: T) => z.array(input).max(MAX_RULES);

/** How a patient's own preference (M9) combines with the centre's and practitioner's rules. */
export const patientPreferenceModeSchema = z
  .enum(['add', 'replace', 'ignore'])
  .describe(
    "`add`: the patient's preference is sent besides the rules; `replace`: instead of them; `ignore`: rules only",
  );

export const smsSettingsSchema = z.strictObject({
  monthlyCap: z.number().int().min(0).max(100_000).describe('SMS a month; over it, SMS falls back to e-mail'),
  perPhoneDailyLimit: z.number().int().min(1).max(20).describe('SMS one phone number receives in a day'),
  senderId: z
    .string()
    .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$/, 'must be 3–11 letters or digits, at least one letter')
    .optional()
    .describe('Alphanumeric sender id, used where the destination country allows it'),
});

export const catchUpSchema = z.strictObject({
  minLeadMinutes: z
    .number()
    .int()
    .min(0)
    .max(1440)
    .describe('A reminder caught up late is sent only while the appointment is at least this far ahead'),
});

const practitionerRulesInput = z.strictObject({
  rules: rulesList(ruleInputSchema),
  replaceCentreRules: z.boolean().default(false).describe("true: the practitioner's rules instead of the centre's"),
});

export const updateReminderRulesSchema = z.strictObject({
  version: z.number().int().min(0).describe('The version read (0 before the first change)'),
  enabled: z.boolean(),
  rules: rulesList(ruleInputSchema).describe("The centre's rules"),
  practitioners: z
    .record(ulidSchema, practitionerRulesInput)
    .refine((p) => Object.keys(p).length <= 200, 'at most 200 practitioners')
    .optional()
    .describe('Rules of practitioners, by id (managers). Absent: kept as they are'),
  patientPreference: patientPreferenceModeSchema,
  templates: reminderTemplatesSchema.optional().describe('Texts per locale; absent fields use the defaults'),
  sms: smsSettingsSchema,
  catchUp: catchUpSchema,
});
export type UpdateReminderRulesInput = z.infer<typeof updateReminderRulesSchema>;

export const updatePractitionerRulesSchema = practitionerRulesInput.extend({
  version: z.number().int().min(0).describe('The version of the whole rules document read'),
});

export const reminderRulesSchema = z.object({
  enabled: z.boolean(),
  rules: z.array(ruleSchema),
  practitioners: z.record(ulidSchema, z.object({ rules: z.array(ruleSchema), replaceCentreRules: z.boolean() })),
  patientPreference: patientPreferenceModeSchema,
  templates: reminderTemplatesSchema,
  sms: smsSettingsSchema.extend({ sentThisMonth: z.number().int().describe('SMS counted against the cap so far') }),
  catchUp: catchUpSchema,
  version: z.number().int(),
  updatedAt: z.iso.datetime().optional(),
  updatedBy: z.string().optional(),
});
export type ReminderRules = Omit<z.infer<typeof reminderRulesSchema>, 'sms'> & {
  sms: z.infer<typeof smsSettingsSchema>;
};

/** A patient's own reminder preference and opt-outs (M9; R5 opt-outs from the portal will land here too). */
export const reminderPreferencesInputSchema = z.strictObject({
  version: z.number().int().min(0).describe('The version read (0 before the first change)'),
  timing: timingSchema.nullable().describe('Their own reminder; null: the default (1 day before at 12:00)'),
  channel: channelSchema.describe('The channel of their own reminder'),
  optOut: z
    .strictObject({ sms: z.boolean(), email: z.boolean() })
    .describe('Channels the patient (or their guardian) refuses: nothing is sent by them'),
});
export const reminderPreferencesSchema = reminderPreferencesInputSchema.extend({
  patientId: ulidSchema,
  updatedAt: z.iso.datetime().optional(),
  updatedBy: z.string().optional(),
});
export type ReminderPreferences = z.infer<typeof reminderPreferencesSchema>;

export const messageStatuses = [
  'planned',
  'sending',
  'unconfirmed',
  'accepted',
  'delivered',
  'failed',
  'skipped',
  'withdrawn',
] as const;

/** One reminder as the centre sees it: planned, then the message it became and what happened to it. */
export const messageSchema = z.object({
  messageId: z.string().optional().describe('Ours, once claimed for sending'),
  appointmentId: ulidSchema,
  patientId: ulidSchema,
  channel: channelSchema,
  status: z
    .enum(messageStatuses)
    .describe(
      '`sending` then `accepted` by the provider, `delivered` or `failed`; `unconfirmed`: the provider’s answer was lost (never sent again); `skipped`: not sent (see `reason`); `withdrawn`: the appointment moved or was cancelled before',
    ),
  reason: z
    .string()
    .optional()
    .describe('Why skipped or failed: opted_out, no_contact, too_late, sms_limit, rejected…'),
  dueAt: z.iso.datetime(),
  appointmentStart: z.iso.datetime(),
  recipient: z.string().optional().describe('Phone (E.164) or e-mail address the message went to'),
  fallbackFrom: channelSchema.optional().describe('Planned as SMS, sent by e-mail (no phone, cap, per-phone limit)'),
  attempt: z.number().int().optional(),
  sentAt: z.iso.datetime().optional(),
  deliveredAt: z.iso.datetime().optional(),
  failedAt: z.iso.datetime().optional(),
  openedAt: z.iso.datetime().optional(),
  clickedAt: z.iso.datetime().optional(),
  answer: z.enum(['confirmed', 'cancelled']).optional().describe('What the patient did from its link'),
});
export type MessageView = z.infer<typeof messageSchema>;

export const messagesQuery = z.strictObject(pageQuery);
export const messagesPageSchema = pageOf(messageSchema);

export const noticeSchema = z.object({
  noticeId: z.string(),
  kind: z.enum(['sms_cap_reached', 'message_failed']),
  at: z.iso.datetime(),
  text: z.string(),
  appointmentId: ulidSchema.optional(),
  patientId: ulidSchema.optional(),
});
export type Notice = z.infer<typeof noticeSchema>;

export const previewQuery = z.strictObject({
  locale: z.enum(['fr-BE', 'nl-BE', 'de-BE', 'fr-FR', 'en']),
  channel: channelSchema,
});
export const previewSchema = z.object({
  channel: channelSchema,
  locale: z.string(),
  subject: z.string().optional(),
  text: z.string(),
  smsSegments: z.number().int().optional(),
});

/** The dispatcher's payload (its schedule's input). */
export const dispatchPayloadSchema = z.strictObject({
  /** How far back a run looks when the last run is older (an outage): due reminders older than this are left. */
  maxCatchUpHours: z.number().int().min(1).max(24).default(24),
  /** Reminders claimed per batch (one BatchGetItem of their context, then claims and sends in parallel). */
  batchSize: z.number().int().min(1).max(500).default(200),
});
export type DispatchPayload = z.infer<typeof dispatchPayloadSchema>;

/** One provider event about a message (SES via EventBridge → SQS), as the queue carries it. */
export const providerEventSchema = z.looseObject({
  source: z.string(),
  'detail-type': z.string(),
  detail: z.looseObject({
    eventType: z.string(),
    mail: z.looseObject({ messageId: z.string(), tags: z.record(z.string(), z.array(z.string())).optional() }),
  }),
});
