/**
 * The agenda context's public entry: what other contexts may use. The port reminders plug into
 * (planned in the agenda's own transactions), the appointment as stored, and a patient's answer to
 * a reminder (confirm or cancel from its link, through the agenda's own transaction).
 */
export type { ReminderPlanner } from './reminder-planner';
export { appointmentLookup, type StoredAppointment } from './repository';
export { answerFromReminder } from './appointments';
