import { DateTime } from 'luxon';
import type { Actor } from '#shared/access/actor';
import type { Origin } from '#shared/origin';

/**
 * The demo centre's agenda: appointment types, opening hours at two locations, a care episode, a
 * team meeting, and a realistic week — the rest of this week and all of next, about seven sessions a
 * day per practitioner, made through the booking service (the same code the API runs). Booked again
 * whenever the coming week is empty (a demo started after a long pause still shows a full agenda).
 */
const origin: Origin = { requestId: 'seed', sourceIp: '127.0.0.1', userAgent: 'centrum-seed' };

const TYPES = [
  { name: 'Séance individuelle 30′', durationMinutes: 30, priceCode: '711034', episodeKind: 'individual-30' },
  {
    name: 'Séance individuelle 60′',
    durationMinutes: 60,
    priceCode: '711056',
    episodeKind: 'individual-30',
    episodeUnits: 2,
  },
  { name: 'Bilan initial', durationMinutes: 60, priceCode: '711012' },
  { name: 'Téléséance 30′', durationMinutes: 30, priceCode: '711093', teleconsultation: true },
];

/** Each practitioner's day: local start times and which type (index in TYPES). */
const DAY: [string, number][] = [
  ['08:30', 0],
  ['09:00', 0],
  ['09:30', 1],
  ['10:45', 0],
  ['11:15', 2],
  ['14:00', 0],
  ['14:30', 3],
  ['15:15', 0],
];

export async function ensureAgenda(
  manager: Actor,
  practitionerIds: string[],
  patientIds: string[],
  steps: string[],
): Promise<void> {
  const availability = await import('#functions/agenda/availability');
  const { createAppointment } = await import('#functions/agenda/appointments');
  // Bookings plan their reminders, as the agenda's function entry wires it (functions/agenda/handler.ts).
  const { reminderPlanner } = await import('#functions/reminders/planner');
  await ensureReminderRules(manager, steps);
  const { practitionerAppointments } = await import('#functions/agenda/repository');
  const { findCentre } = await import('#functions/centres/repository');
  const centre = await findCentre(manager.centreId);
  if (!centre) throw new Error('The demo centre is missing');
  const zone = centre.timeZone;
  const [main, school] = centre.locations;

  const { appointmentTypeFromItem, appointmentTypesPage } = await import('#functions/agenda/repository');
  const typesNow = async () => (await appointmentTypesPage(manager.centreId, 100)).items.map(appointmentTypeFromItem);
  let types = await typesNow();
  if (types.length === 0) {
    for (const type of TYPES) await availability.createAppointmentType(manager, type);
    types = await typesNow();
    for (const practitionerId of practitionerIds)
      await availability.updatePractitionerHours(manager, practitionerId, {
        hours: [
          ...(['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
            day,
            opens: '08:30',
            closes: '12:30',
            ...(main ? { locationId: main.locationId } : {}),
          })),
          ...(['mon', 'tue', 'thu', 'fri'] as const).map((day) => ({
            day,
            opens: '13:30',
            closes: '18:00',
            ...(main ? { locationId: main.locationId } : {}),
          })),
          {
            day: 'wed' as const,
            opens: '13:30',
            closes: '17:00',
            ...(school ? { locationId: school.locationId } : {}),
          },
        ],
        slotMinutes: 15,
      });
    const { createCareEpisode } = await import('#functions/agenda/episodes');
    await createCareEpisode(
      manager,
      patientIds[0]!,
      {
        prescriptionDate: DateTime.now().minus({ weeks: 2 }).toFormat('yyyy-MM-dd'),
        prescriber: 'Dr A. Lemaire',
        agreement: { reference: 'MUT-2026-0412', date: DateTime.now().minus({ weeks: 1 }).toFormat('yyyy-MM-dd') },
        grants: [{ kind: 'individual-30', sessions: 18 }],
        expiresOn: DateTime.now().plus({ months: 6 }).toFormat('yyyy-MM-dd'),
      },
      origin,
    );
    steps.push('agenda settings and a care episode');
  }
  const byName = new Map(types.map((t) => [t.name, t.appointmentTypeId]));
  const { episodeFromItem, episodesPage } = await import('#functions/agenda/repository');
  const episode = (await episodesPage(manager.centreId, patientIds[0]!, 1)).items.map(episodeFromItem)[0];

  const now = DateTime.now().setZone(zone);
  const monday = now.startOf('week');
  const ahead = await practitionerAppointments(
    manager.centreId,
    practitionerIds[0]!,
    now.toUTC().toISO()!,
    now.plus({ days: 7 }).toUTC().toISO()!,
  );
  if (ahead.length > 0) return;

  await availability.createCentreEvent(manager, {
    kind: 'meeting',
    title: 'Réunion d’équipe',
    start: monday.plus({ weeks: 1, days: 1 }).set({ hour: 12, minute: 45 }).toFormat("yyyy-MM-dd'T'HH:mm"),
    end: monday.plus({ weeks: 1, days: 1 }).set({ hour: 13, minute: 25 }).toFormat("yyyy-MM-dd'T'HH:mm"),
  });
  let n = 0;
  for (let d = 0; d < 12; d++) {
    const date = monday.plus({ days: d });
    if (date.weekday > 5) continue;
    for (const [p, practitionerId] of practitionerIds.entries()) {
      for (const [time, typeIndex] of DAY) {
        const [hour, minute] = time.split(':').map(Number);
        const start = date.set({ hour: hour!, minute: minute! });
        if (start <= now.plus({ minutes: 5 })) continue;
        const wednesdayAfternoon = date.weekday === 3 && hour! >= 13;
        const type = TYPES[typeIndex]!;
        await createAppointment(
          manager,
          {
            practitionerId,
            ...(p === 0 && time === '09:00' && episode
              ? { patientId: patientIds[0]!, episodeId: episode.episodeId }
              : { patientId: patientIds[1 + ((n + p) % (patientIds.length - 1))]! }),
            appointmentTypeId: byName.get(type.name)!,
            start: start.toFormat("yyyy-MM-dd'T'HH:mm"),
            ...((wednesdayAfternoon ? school : main)
              ? { locationId: (wednesdayAfternoon ? school : main)!.locationId }
              : {}),
            ...(type.teleconsultation ? { videoLink: 'https://meet.centrum.local/demo-room' } : {}),
          },
          origin,
          reminderPlanner,
        ).catch((error: { code?: string }) => {
          // A start interrupted half-way left some of them: those slots are taken already.
          if (error.code !== 'slot_taken') throw error;
        });
        n++;
      }
    }
  }
  steps.push(`agenda week (${n} appointments)`);
}

/**
 * Reminder rules of the demo centre: besides each patient's own reminder (the day before at 12:00,
 * by SMS), an e-mail two days before at 18:00 for patients with an address; one patient refuses SMS.
 */
async function ensureReminderRules(manager: Actor, steps: string[]) {
  const { listReminderRules, updateReminderRules } = await import('#functions/reminders/service');
  const current = await listReminderRules(manager);
  if (current.version > 0) return;
  await updateReminderRules(manager, {
    version: 0,
    enabled: true,
    rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '18:00' } }],
    patientPreference: 'add',
    sms: { monthlyCap: 500, perPhoneDailyLimit: 3, senderId: 'CentreDemo' },
    catchUp: { minLeadMinutes: 60 },
  });
  steps.push('reminder rules');
}
