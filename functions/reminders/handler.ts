import { bearerAuthentication, cursorKey } from '#contexts/identity';
import { createHttpHandler } from '#shared/http/pipeline';
import { answerReminder, openReminderLink } from './links';
import { remindersRoutes } from './routes';
import {
  getReminderPreferences,
  listAppointmentMessages,
  listMessageNotices,
  listPatientMessages,
  listReminderRules,
  previewReminder,
  updatePractitionerReminderRules,
  updateReminderPreferences,
  updateReminderRules,
} from './service';

/** The reminders function: rules, preferences, tracking, and the confirm / cancel links. */
export const handler = createHttpHandler(
  remindersRoutes,
  { authenticators: { staff: bearerAuthentication }, cursorKey },
  {
    listReminderRules: ({ principal }) => listReminderRules(principal),
    updateReminderRules: ({ principal, body }) => updateReminderRules(principal, body),
    updatePractitionerReminderRules: ({ principal, params, body }) =>
      updatePractitionerReminderRules(principal, params.practitionerId, body),
    previewReminder: ({ principal, query }) => previewReminder(principal, query),
    listMessageNotices: ({ principal, query, cursors }) => listMessageNotices(principal, query, cursors),
    getReminderPreferences: ({ principal, params, origin }) =>
      getReminderPreferences(principal, params.patientId, origin),
    updateReminderPreferences: ({ principal, params, body, origin }) =>
      updateReminderPreferences(principal, params.patientId, body, origin),
    listPatientMessages: ({ principal, params, query, origin, cursors }) =>
      listPatientMessages(principal, params.patientId, query, origin, cursors),
    listAppointmentMessages: ({ principal, params, query, origin, cursors }) =>
      listAppointmentMessages(principal, params.appointmentId, query, origin, cursors),
    openReminderLink: ({ params, query, origin }) => openReminderLink(params.token, query.a, origin),
    confirmFromReminder: ({ params, origin }) => answerReminder(params.token, 'confirm', origin),
    cancelFromReminder: ({ params, origin }) => answerReminder(params.token, 'cancel', origin),
  },
);
