import { DateTime } from 'luxon';
import { createAppointment } from '#functions/agenda/appointments';
import { dispatchReminders } from '#functions/reminders/dispatch';
import { linkToken } from '#functions/reminders/links';
import { reminderPlanner } from '#functions/reminders/planner';
import { appointmentMessagesPage, reminderFromItem } from '#functions/reminders/repository';
import { dispatchPayloadSchema, type UpdateReminderRulesInput } from '#functions/reminders/schemas';
import { listReminderRules, updateReminderRules } from '#functions/reminders/service';
import type { Actor } from '#shared/access/actor';
import { internalOrigin } from '#shared/origin';
import { freshSlot, newType } from '../agenda/fixtures';
import { createPatient } from '#functions/patients/service';
import { sentEmails, sentSms } from '../support/outbox';
import { buildCentre, type CentreWorld, newPatient, origin } from '../support/world';

/** Reminder builders for tests: bookings that plan reminders, runs of the dispatcher, sent messages. */

/** Books through the agenda with reminders planned (as the agenda's function entry wires it). */
export async function bookWithReminders(
  actor: Actor,
  input: { practitionerId: string; patientId: string; appointmentTypeId: string; start?: string },
) {
  return createAppointment(
    actor,
    { ...input, start: input.start ?? freshSlot() } as Parameters<typeof createAppointment>[1],
    origin,
    reminderPlanner,
  );
}

/** One run of the dispatcher as the schedule would start it at `at`. */
export function runDispatch(at: Date, payload: Record<string, unknown> = {}) {
  return dispatchReminders({
    payload: dispatchPayloadSchema.parse(payload),
    now: at,
    origin: internalOrigin(`test-${at.toISOString()}`, 'schedule/reminders-dispatch'),
    enqueue: async () => {},
  });
}

/** The reminders of an appointment as stored (planned, claimed, sent…). */
export async function remindersOf(centreId: string, appointmentId: string) {
  const page = await appointmentMessagesPage(centreId, appointmentId, 100);
  return page.items.map(reminderFromItem);
}

let phones = 0;
/** A phone number no other patient of this process has (the per-phone SMS limit counts per number). */
export const freshPhone = () =>
  `+3247${String(process.pid % 1000).padStart(3, '0')}${String(phones++).padStart(4, '0')}`;

/**
 * A booked appointment whose reminder was sent: its link's token (for confirm / cancel). The
 * appointment is a new patient's (its own phone), so that many of them stay under the per-phone limit.
 */
export async function sentReminder(actor: Actor, input: { practitionerId: string; appointmentTypeId: string }) {
  const patient = await createPatient(
    actor,
    newPatient({ phone: freshPhone(), practitionerId: input.practitionerId }),
    origin,
  );
  const appointment = await bookWithReminders(actor, { ...input, patientId: patient.patientId });
  // The patient's own reminder (an SMS by default): other rules the centre may have are not needed.
  const own = async () =>
    (await remindersOf(actor.centreId, appointment.appointmentId)).find((r) => r.ruleKey === 'patient');
  const planned = await own();
  if (!planned) throw new Error('no reminder planned');
  await runDispatch(DateTime.fromISO(planned.dueAt).plus({ minutes: 1 }).toJSDate());
  const sent = await own();
  if (!sent?.messageId) throw new Error(`reminder not sent (${sent?.status} ${sent?.reason ?? ''})`);
  return { appointment, message: sent, token: await linkToken(sent.messageId) };
}

let emails = 0;
/** An e-mail address no other patient of this process has. */
export const freshEmail = () => `patient-${process.pid}-${emails++}@example.test`;

/**
 * A patient of the actor's (a practitioner) reachable exactly as given: no phone or no e-mail when
 * left out (unlike `newPatient`, which has a phone shared by every default patient).
 */
export async function reminderPatient(
  actor: Actor,
  contact: { phone?: string; email?: string; portalOptOut?: boolean } = {},
) {
  const { phone: _shared, ...base } = newPatient({ lastName: 'Rappel' });
  return createPatient(
    actor,
    {
      ...base,
      ...(contact.phone ? { phone: contact.phone } : {}),
      ...(contact.email ? { email: contact.email } : {}),
      ...(contact.portalOptOut !== undefined ? { portalOptOut: contact.portalOptOut } : {}),
    } as Parameters<typeof createPatient>[1],
    origin,
  );
}

/** The centre's reminder rules replaced (by a manager): the defaults, with these changes. */
export async function setReminderRules(manager: Actor, changes: Partial<Omit<UpdateReminderRulesInput, 'version'>>) {
  const current = await listReminderRules(manager);
  return updateReminderRules(manager, {
    version: current.version,
    enabled: true,
    rules: [],
    patientPreference: 'add',
    sms: { monthlyCap: 500, perPhoneDailyLimit: 3 },
    catchUp: { minLeadMinutes: 60 },
    ...changes,
  });
}

/** The reminders (SMS and e-mails) the outbox holds for a phone number or an e-mail address. */
export function remindersSentTo(recipient: string) {
  return [...sentSms().filter((m) => m.to === recipient), ...sentEmails().filter((m) => m.to === recipient)].filter(
    (m) => m.kind === 'appointment-reminder',
  );
}

/** A centre for reminder tests: its world, an appointment type, and its rules if given. */
export interface ReminderCentre {
  w: CentreWorld;
  typeId: string;
}
export async function reminderCentre(
  name: string,
  rules?: Parameters<typeof setReminderRules>[1],
  type: Record<string, unknown> = {},
): Promise<ReminderCentre> {
  const w = await buildCentre(name);
  const typeId = (await newType(w.manager.actor, type)).appointmentTypeId;
  if (rules) await setReminderRules(w.manager.actor, rules);
  return { w, typeId };
}

/** An appointment of the centre's first practitioner, for a patient, at a local `start`, its reminders planned. */
export async function bookFor(s: ReminderCentre, patientId: string, start: string) {
  return bookWithReminders(s.w.practitioner.actor, {
    practitionerId: s.w.practitioner.userId,
    patientId,
    appointmentTypeId: s.typeId,
    start,
  });
}

/** A patient with their own phone and e-mail (or as given), and their appointment at `start`. */
export async function patientBooked(s: ReminderCentre, start: string, contact?: Parameters<typeof reminderPatient>[1]) {
  const reach = contact ?? { phone: freshPhone(), email: freshEmail() };
  const patient = await reminderPatient(s.w.practitioner.actor, reach);
  const appointment = await bookFor(s, patient.patientId, start);
  return { ...reach, patientId: patient.patientId, appointment };
}
