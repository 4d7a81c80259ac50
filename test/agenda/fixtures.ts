import { DateTime } from 'luxon';
import { createAppointment } from '#functions/agenda/appointments';
import { createAppointmentType } from '#functions/agenda/availability';
import { createCareEpisode } from '#functions/agenda/episodes';
import type { Actor } from '#shared/access/actor';
import { origin } from '../support/world';

/**
 * Agenda builders for tests: appointment types, bookings at times no other booking of the same test
 * file uses (each file has its own table), care episodes. Times are local to Europe/Brussels (the
 * centres' default zone) and lie ahead of now.
 */
const ZONE = 'Europe/Brussels';
let slot = 0;

/** The first Monday at least `weeksAhead` weeks from now, as a local date. */
export function mondayAhead(weeksAhead = 2) {
  const t = DateTime.now().setZone(ZONE).plus({ weeks: weeksAhead }).startOf('week');
  return t.toFormat('yyyy-MM-dd');
}

/**
 * A fresh half-hour, local wall clock (YYYY-MM-DDTHH:mm): weekdays from 08:00, 20 a day, from the
 * Monday three weeks ahead on, never the same twice in a process.
 */
export function freshSlot(): string {
  const n = slot++;
  const day = DateTime.fromISO(mondayAhead(3), { zone: ZONE }).plus({ days: Math.floor(n / 20) });
  return day
    .set({ hour: 8, minute: 0 })
    .plus({ minutes: (n % 20) * 30 })
    .toFormat("yyyy-MM-dd'T'HH:mm");
}

export async function newType(manager: Actor, overrides: Record<string, unknown> = {}) {
  return createAppointmentType(manager, {
    name: 'Séance individuelle 30′',
    durationMinutes: 30,
    priceCode: '711011',
    episodeKind: 'individual-30',
    episodeUnits: 1,
    ...overrides,
  } as Parameters<typeof createAppointmentType>[1]);
}

export async function book(
  actor: Actor,
  input: { practitionerId: string; patientId: string; appointmentTypeId: string; start?: string } & Record<
    string,
    unknown
  >,
) {
  return createAppointment(
    actor,
    { ...input, start: input.start ?? freshSlot() } as Parameters<typeof createAppointment>[1],
    origin,
  );
}

export async function newEpisode(actor: Actor, patientId: string, overrides: Record<string, unknown> = {}) {
  return createCareEpisode(
    actor,
    patientId,
    {
      prescriptionDate: DateTime.now().toFormat('yyyy-MM-dd'),
      agreement: { reference: 'AGR-2026-001', date: DateTime.now().toFormat('yyyy-MM-dd') },
      grants: [{ kind: 'individual-30', sessions: 10 }],
      expiresOn: DateTime.now().plus({ years: 1 }).toFormat('yyyy-MM-dd'),
      ...overrides,
    } as Parameters<typeof createCareEpisode>[2],
    origin,
  );
}
