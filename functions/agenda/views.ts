import { centreLookup, membershipLookup } from '#contexts/centres';
import { patientLookup } from '#contexts/patients';
import type { Actor } from '#shared/access/actor';
import {
  assertAgendaAccess,
  assertPatientVisible,
  authorize,
  canSeePractitionerPatients,
  visiblePractitioners,
} from '#shared/access/policy';
import { recordListRead } from '#shared/audit/audit';
import { batchLookup } from '#shared/db/table';
import { notFound } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import type { Origin } from '#shared/origin';
import { appointmentView } from './appointments';
import {
  appointmentFromItem,
  centreDayPage,
  patientAppointmentsPage,
  practitionerAppointments,
  type StoredAppointment,
} from './repository';
import { dayBounds } from './time';

/**
 * The agenda's views: a practitioner's day or week, the centre's day across practitioners, a
 * patient's appointments. Each is one Query (docs/DATA_MODEL.md); an agenda shows patients, so
 * every view is audited like a patient list: one event for the view, one in each patient's trail.
 */
export async function recordAgendaRead(actor: Actor, origin: Origin, shown: { patientId: string }[]) {
  if (shown.length === 0) return;
  await recordListRead(actor, origin, { action: 'agenda.read', patientIds: shown.map((a) => a.patientId) });
}

async function centreZone(centreId: string) {
  const [centre] = await batchLookup(centreLookup(centreId));
  if (!centre) throw notFound('centre');
  return centre.timeZone;
}

/** The centre's time zone, once the practitioner is known to be one of its practitioners (else 404). */
export async function practitionerZone(actor: Actor, practitionerId: string) {
  const [centre, member] = await batchLookup(
    centreLookup(actor.centreId),
    membershipLookup(actor.centreId, practitionerId),
  );
  if (!centre) throw notFound('centre');
  if (member?.role !== 'practitioner') throw notFound('practitioner');
  return centre.timeZone;
}

/** A practitioner's appointments over 1 to 7 local days from `from`, cancelled ones included. */
export async function getPractitionerAgenda(
  actor: Actor,
  practitionerId: string,
  query: { from: string; days: number },
  origin: Origin,
) {
  authorize(actor, 'agenda:read');
  assertAgendaAccess(actor, practitionerId);
  const timeZone = await practitionerZone(actor, practitionerId);
  const { start, end } = dayBounds(query.from, timeZone, query.days);
  const items = await practitionerAppointments(actor.centreId, practitionerId, start, end);
  await recordAgendaRead(actor, origin, items);
  return {
    practitionerId,
    from: query.from,
    days: query.days,
    timeZone,
    items: items.map((a) => appointmentView(actor, a)),
  };
}

/**
 * The centre's local day, across practitioners, in one Query of the day's index: a manager sees
 * every practitioner (read-only for others' sessions is the client's to show), a practitioner their
 * own sessions, a secretary the practitioners they serve.
 */
export async function getCentreDay(
  actor: Actor,
  date: string,
  query: { limit: number; cursor?: string | undefined },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'agenda:read');
  const timeZone = await centreZone(actor.centreId);
  const visible = visiblePractitioners(actor);
  const page = await cursors.page(
    `centre-day:${actor.centreId}:${date}`,
    query.cursor,
    (startKey) => centreDayPage(actor.centreId, date, query.limit, startKey),
    appointmentFromItem,
  );
  const items = visible === 'all' ? page.items : page.items.filter((a) => visible.includes(a.practitionerId));
  await recordAgendaRead(actor, origin, items);
  return {
    date,
    timeZone,
    items: items.map((a) => appointmentView(actor, a)),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/** A patient's appointments, upcoming (soonest first) or past (latest first). */
export async function listPatientAppointments(
  actor: Actor,
  patientId: string,
  query: { limit: number; cursor?: string | undefined; when: 'upcoming' | 'past' },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'agenda:read');
  const [patient] = await batchLookup(patientLookup(actor.centreId, patientId));
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  const now = new Date().toISOString();
  const page = await cursors.page(
    `patient-appointments:${actor.centreId}:${patientId}:${query.when}`,
    query.cursor,
    (startKey) => patientAppointmentsPage(actor.centreId, patientId, query.when, now, query.limit, startKey),
    appointmentFromItem,
  );
  // A patient may see several practitioners: the caller sees the sessions of those they may see.
  const items = page.items.filter((a: StoredAppointment) => canSeePractitionerPatients(actor, a.practitionerId));
  await recordAgendaRead(actor, origin, items.length ? [{ patientId }] : []);
  return { ...page, items: items.map((a) => appointmentView(actor, a)) };
}
