import * as z from 'zod';
import { defineRoutes } from '#shared/http/operation';
import { ulidSchema } from '#shared/ids';
import { pageOf, pageQuery } from '#shared/schemas';
import {
  messagesPageSchema,
  messagesQuery,
  noticeSchema,
  previewQuery,
  previewSchema,
  reminderPreferencesInputSchema,
  reminderPreferencesSchema,
  reminderRulesSchema,
  updatePractitionerRulesSchema,
  updateReminderRulesSchema,
} from './schemas';

const patientParams = z.strictObject({ patientId: ulidSchema });
/** A reminder link's token: our message id (ULID) and 16 characters of its HMAC. */
const linkParams = z.strictObject({
  token: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}[A-Za-z0-9_-]{16}$/, 'must be a reminder link token'),
});
const htmlAnswer = {
  response: z.string(),
  produces: 'text/html; charset=utf-8',
  headers: {
    'cache-control': 'private, no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-robots-tag': 'noindex',
    'referrer-policy': 'no-referrer',
  },
} as const;
const versionConflict = 'The version sent is not the current one (`version_conflict`, with `currentVersion`)';

/** Reminder rules, a patient's preference, message tracking and the links in reminders (N1, N2, M9). */
export const remindersRoutes = defineRoutes([
  {
    operationId: 'listReminderRules',
    method: 'GET',
    path: '/reminders/rules',
    auth: 'staff',
    summary: "The centre's reminder rules, practitioners' rules, texts and SMS limits (with this month's SMS count)",
    budget: { BatchGetItem: 1 },
    response: reminderRulesSchema,
  },
  {
    operationId: 'updateReminderRules',
    method: 'PUT',
    path: '/reminders/rules',
    auth: 'staff',
    summary: 'Replace the reminder rules (managers); applies to appointments booked or moved afterwards',
    budget: { BatchGetItem: 1, PutItem: 1 },
    body: updateReminderRulesSchema,
    response: reminderRulesSchema,
    errors: { 409: versionConflict, 422: 'Rules too large to store (`rules_too_large`)' },
  },
  {
    operationId: 'updatePractitionerReminderRules',
    method: 'PUT',
    path: '/reminders/rules/practitioners/{practitionerId}',
    auth: 'staff',
    summary: "A practitioner's own reminder rules (managers, or the practitioner): besides or instead of the centre's",
    budget: { BatchGetItem: 1, PutItem: 1 },
    params: z.strictObject({ practitionerId: ulidSchema }),
    body: updatePractitionerRulesSchema,
    response: reminderRulesSchema,
    errors: {
      403: 'Another practitioner’s rules (`not_your_rules`)',
      409: versionConflict,
      422: 'Not an active practitioner of the centre (`not_a_practitioner`); rules too large to store (`rules_too_large`)',
    },
  },
  {
    operationId: 'previewReminder',
    method: 'GET',
    path: '/reminders/preview',
    auth: 'staff',
    summary:
      "A reminder as a patient would receive it, in the centre's texts for a locale and channel (example values)",
    budget: { BatchGetItem: 1 },
    query: previewQuery,
    response: previewSchema,
  },
  {
    operationId: 'listMessageNotices',
    method: 'GET',
    path: '/reminders/notices',
    auth: 'staff',
    summary:
      'What the centre must know about its messages, newest first: SMS cap reached, messages that failed (managers)',
    budget: { Query: 1 },
    query: z.strictObject(pageQuery),
    response: pageOf(noticeSchema),
  },
  {
    operationId: 'getReminderPreferences',
    method: 'GET',
    path: '/patients/{patientId}/reminder-preferences',
    auth: 'staff',
    summary: "A patient's own reminder (default 1 day before at 12:00) and opt-outs per channel (M9)",
    budget: { BatchGetItem: 1, PutItem: 1 },
    params: patientParams,
    response: reminderPreferencesSchema,
  },
  {
    operationId: 'updateReminderPreferences',
    method: 'PUT',
    path: '/patients/{patientId}/reminder-preferences',
    auth: 'staff',
    summary: "Set a patient's own reminder and opt-outs (on the patient's or guardian's request)",
    budget: { BatchGetItem: 1, TransactWriteItems: 1 },
    params: patientParams,
    body: reminderPreferencesInputSchema,
    response: reminderPreferencesSchema,
    errors: { 409: versionConflict },
  },
  {
    operationId: 'listPatientMessages',
    method: 'GET',
    path: '/patients/{patientId}/messages',
    auth: 'staff',
    summary: 'Messages sent to a patient, newest first, each with what happened to it (N2)',
    budget: { BatchGetItem: 1, Query: 1, PutItem: 1 },
    params: patientParams,
    query: messagesQuery,
    response: messagesPageSchema,
  },
  {
    operationId: 'listAppointmentMessages',
    method: 'GET',
    path: '/appointments/{appointmentId}/messages',
    auth: 'staff',
    summary: "An appointment's reminders: planned, sent and what happened to each (N2)",
    budget: { BatchGetItem: 1, Query: 1, PutItem: 1 },
    params: z.strictObject({ appointmentId: ulidSchema }),
    query: messagesQuery,
    response: messagesPageSchema,
  },
  {
    operationId: 'openReminderLink',
    method: 'GET',
    path: '/r/{token}',
    auth: 'public',
    summary:
      "A reminder's link: the appointment and buttons to confirm or cancel it (records the click); 404 once it has started",
    budget: { Query: 1, BatchGetItem: 1, UpdateItem: 1, PutItem: 1 },
    params: linkParams,
    query: z.strictObject({ a: z.enum(['confirm', 'cancel']).optional() }),
    ...htmlAnswer,
  },
  {
    operationId: 'confirmFromReminder',
    method: 'POST',
    path: '/r/{token}/confirm',
    auth: 'public',
    summary: 'The patient confirms the appointment from the reminder (no sign-in; audited as the link)',
    budget: { Query: 1, BatchGetItem: 1, GetItem: 1, TransactWriteItems: 1, UpdateItem: 1 },
    params: linkParams,
    ...htmlAnswer,
  },
  {
    operationId: 'cancelFromReminder',
    method: 'POST',
    path: '/r/{token}/cancel',
    auth: 'public',
    summary: 'The patient cancels the appointment from the reminder: the slot is freed and the cancellation audited',
    budget: { Query: 1, BatchGetItem: 1, GetItem: 1, TransactWriteItems: 1, UpdateItem: 1 },
    params: linkParams,
    ...htmlAnswer,
  },
]);
