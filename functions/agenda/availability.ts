import { DateTime } from 'luxon';
import { centreLookup, membershipLookup } from '#contexts/centres';
import type { Actor } from '#shared/access/actor';
import { assertAgendaAccess, authorize } from '#shared/access/policy';
import { batchLookup, putItem, transactWrite } from '#shared/db/table';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { forbidden, notFound, ruleViolation, validationError } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import { isPublicHoliday } from './holidays';
import {
  absencesBetween,
  appointmentTypeFromItem,
  appointmentTypeLookup,
  appointmentTypesPage,
  centreEventItem,
  centreEventsBetween,
  findCentreEvent,
  hoursItem,
  hoursLookup,
  onlineBookingLookup,
  practitionerAppointments,
} from './repository';
import { assertLocations, freeSlotsOf, hoursInForce } from './rules';
import {
  type AppointmentType,
  type CentreEvent,
  MAX_APPOINTMENT_MINUTES,
  type OnlineBooking,
  type appointmentTypeInputSchema,
  type centreEventInputSchema,
  type hoursInputSchema,
  type onlineBookingInputSchema,
} from './schemas';
import { dayBounds, instantOf, iso } from './time';
import type * as z from 'zod';

/**
 * Availability (A3) and the centre's agenda (A2): appointment types, opening hours, the centre's
 * events and absences, online-booking exposure, and the free slots derived from them.
 */

// --- Appointment types ---------------------------------------------------------------------------

export async function createAppointmentType(actor: Actor, input: z.output<typeof appointmentTypeInputSchema>) {
  authorize(actor, 'agenda:configure');
  if (input.episodeUnits !== undefined && input.episodeKind === undefined)
    throw validationError('Units count against an episode kind', [
      { field: 'body.episodeUnits', message: 'only with episodeKind' },
    ]);
  const type: AppointmentType = {
    appointmentTypeId: newId(),
    name: input.name,
    durationMinutes: input.durationMinutes,
    ...(input.priceCode ? { priceCode: input.priceCode } : {}),
    ...(input.episodeKind ? { episodeKind: input.episodeKind } : {}),
    episodeUnits: input.episodeUnits ?? 1,
    teleconsultation: input.teleconsultation ?? false,
    createdAt: new Date().toISOString(),
  };
  await putItem({
    ...keys.appointmentType(actor.centreId, type.appointmentTypeId),
    entity: 'AppointmentType',
    ...type,
  });
  return type;
}

export function listAppointmentTypes(
  actor: Actor,
  query: { limit: number; cursor?: string | undefined },
  cursors: Cursors,
) {
  authorize(actor, 'agenda:read');
  return cursors.page(
    `appointment-types:${actor.centreId}`,
    query.cursor,
    (startKey) => appointmentTypesPage(actor.centreId, query.limit, startKey),
    appointmentTypeFromItem,
  );
}

// --- Opening hours -------------------------------------------------------------------------------

async function practitionerScene(actor: Actor, practitionerId: string) {
  const [centre, member, own] = await batchLookup(
    centreLookup(actor.centreId),
    membershipLookup(actor.centreId, practitionerId),
    hoursLookup(actor.centreId, practitionerId),
  );
  if (!centre) throw notFound('centre');
  if (member?.role !== 'practitioner') throw notFound('practitioner');
  return { centre, member, own };
}

export async function getPractitionerHours(actor: Actor, practitionerId: string) {
  authorize(actor, 'agenda:read');
  const { centre, own } = await practitionerScene(actor, practitionerId);
  return { practitionerId, ...hoursInForce(centre, own) };
}

/** A manager sets anyone's hours, a practitioner their own. */
export async function updatePractitionerHours(
  actor: Actor,
  practitionerId: string,
  input: z.output<typeof hoursInputSchema>,
) {
  authorize(actor, 'agenda:hours');
  if (actor.role !== 'manager' && actor.userId !== practitionerId)
    throw forbidden('Practitioners set their own hours', 'not_your_agenda');
  const { centre } = await practitionerScene(actor, practitionerId);
  assertLocations(centre, Object.fromEntries(input.hours.map((h, i) => [`body.hours.${i}.locationId`, h.locationId])));
  const stored = { hours: input.hours, slotMinutes: input.slotMinutes ?? 15 };
  await putItem(hoursItem(actor.centreId, practitionerId, stored));
  return { practitionerId, ...stored, source: 'practitioner' as const };
}

// --- Online booking exposure ---------------------------------------------------------------------

const NOT_EXPOSED: OnlineBooking = {
  enabled: false,
  practitionerIds: [],
  appointmentTypeIds: [],
  horizonDays: 30,
  minNoticeHours: 24,
};

export async function getOnlineBooking(actor: Actor): Promise<OnlineBooking> {
  authorize(actor, 'agenda:read');
  const [settings] = await batchLookup(onlineBookingLookup(actor.centreId));
  return settings ?? NOT_EXPOSED;
}

/** Which practitioners and types patients may book online, how far ahead, with how much notice. */
export async function updateOnlineBooking(actor: Actor, input: z.output<typeof onlineBookingInputSchema>) {
  authorize(actor, 'agenda:configure');
  const lookups = await batchLookup(
    ...input.practitionerIds.map((id) => membershipLookup(actor.centreId, id)),
    ...input.appointmentTypeIds.map((id) => appointmentTypeLookup(actor.centreId, id)),
  );
  const fields = [
    ...input.practitionerIds.flatMap((id, i) => {
      const m = lookups[i] as { role?: string; status?: string } | undefined;
      return m?.role === 'practitioner' && m.status === 'active'
        ? []
        : [{ field: `body.practitionerIds.${i}`, message: 'not an active practitioner of this centre' }];
    }),
    ...input.appointmentTypeIds.flatMap((id, i) =>
      lookups[input.practitionerIds.length + i]
        ? []
        : [{ field: `body.appointmentTypeIds.${i}`, message: 'unknown appointment type' }],
    ),
  ];
  if (fields.length) throw ruleViolation('unknown_reference', 'Unknown practitioners or appointment types', { fields });
  const settings: OnlineBooking = { ...input, updatedAt: new Date().toISOString() };
  await putItem({ ...keys.onlineBooking(actor.centreId), entity: 'OnlineBooking', ...settings });
  return settings;
}

// --- Centre events and absences ------------------------------------------------------------------

/** Events concern listed staff, or everyone when none is listed; a manager sees them all. */
const concerns = (actor: Actor, e: CentreEvent) =>
  actor.role === 'manager' ||
  e.userIds.length === 0 ||
  e.userIds.includes(actor.userId) ||
  e.userIds.some((id) => actor.servedPractitionerIds.includes(id));

export async function createCentreEvent(actor: Actor, input: z.output<typeof centreEventInputSchema>) {
  const absence = input.kind === 'leave' || input.kind === 'sick_leave';
  const ownAbsence = absence && input.userIds?.[0] === actor.userId;
  if (!ownAbsence) authorize(actor, 'centre-event:manage');
  const [centre, ...members] = await batchLookup(
    centreLookup(actor.centreId),
    ...(input.userIds ?? []).map((id) => membershipLookup(actor.centreId, id)),
  );
  if (!centre) throw notFound('centre');
  const unknown = (input.userIds ?? []).flatMap((_, i) =>
    members[i] ? [] : [{ field: `body.userIds.${i}`, message: 'not a member of this centre' }],
  );
  if (unknown.length) throw ruleViolation('unknown_reference', 'Unknown staff members', { fields: unknown });
  const start = instantOf(input.start, centre.timeZone, 'body.start');
  const end = instantOf(input.end, centre.timeZone, 'body.end');
  if (end <= start)
    throw validationError('An event ends after it starts', [{ field: 'body.end', message: 'must be after start' }]);
  if (end.diff(start, 'days').days > 366)
    throw validationError('An event lasts at most a year', [
      { field: 'body.end', message: 'at most a year after start' },
    ]);
  const event: CentreEvent = {
    eventId: newId(),
    kind: input.kind,
    title: input.title,
    start: iso(start),
    end: iso(end),
    userIds: input.userIds ?? [],
    ...(input.details ? { details: input.details } : {}),
    createdBy: actor.userId,
    createdAt: new Date().toISOString(),
  };
  await putItem(centreEventItem(actor.centreId, event));
  return event;
}

export async function listCentreEvents(actor: Actor, query: { from: string; days: number }) {
  authorize(actor, 'agenda:read');
  const [centre] = await batchLookup(centreLookup(actor.centreId));
  if (!centre) throw notFound('centre');
  const { start, end } = dayBounds(query.from, centre.timeZone, query.days);
  const events = await centreEventsBetween(actor.centreId, start, end);
  return { items: events.filter((e) => concerns(actor, e)) };
}

export async function deleteCentreEvent(actor: Actor, eventId: string) {
  const event = await findCentreEvent(actor.centreId, eventId);
  if (!event || !concerns(actor, event)) throw notFound('event');
  const ownAbsence = event.userIds.length === 1 && event.userIds[0] === actor.userId && event.kind.includes('leave');
  if (!ownAbsence) authorize(actor, 'centre-event:manage');
  await transactWrite([
    {
      Delete: {
        TableName: tableName,
        Key: keys.centreEvent(actor.centreId, eventId),
        ConditionExpression: 'attribute_exists(pk)',
      },
    },
  ]);
}

// --- Free slots ----------------------------------------------------------------------------------

/**
 * Free slots of one practitioner for one appointment type over 1–28 local days: on the grid of the
 * hours in force (every `slotMinutes` from each opening), each slot inside its opening interval,
 * not on a public holiday of the centre's country, not overlapping an absence or a booked, confirmed
 * or done appointment, and ahead of now. Three requests whatever the range: one BatchGetItem
 * (centre, practitioner, hours, type), one Query of the agenda, one of the absences.
 */
export async function listFreeSlots(
  actor: Actor,
  practitionerId: string,
  query: { appointmentTypeId: string; from: string; days: number; locationId?: string | undefined },
) {
  authorize(actor, 'agenda:read');
  assertAgendaAccess(actor, practitionerId);
  const [centre, member, own, type] = await batchLookup(
    centreLookup(actor.centreId),
    membershipLookup(actor.centreId, practitionerId),
    hoursLookup(actor.centreId, practitionerId),
    appointmentTypeLookup(actor.centreId, query.appointmentTypeId),
  );
  if (!centre) throw notFound('centre');
  if (member?.role !== 'practitioner') throw notFound('practitioner');
  if (!type)
    throw ruleViolation('unknown_appointment_type', 'No such appointment type in this centre', {
      fields: [{ field: 'query.appointmentTypeId', message: 'unknown appointment type' }],
    });
  assertLocations(centre, { 'query.locationId': query.locationId });
  const zone = centre.timeZone;
  const { start, end } = dayBounds(query.from, zone, query.days);
  const earliest = DateTime.fromISO(start).minus({ minutes: MAX_APPOINTMENT_MINUTES });
  const [appointments, absences] = await Promise.all([
    practitionerAppointments(actor.centreId, practitionerId, iso(earliest), end),
    absencesBetween(actor.centreId, practitionerId, start, end),
  ]);
  const busy = [...appointments.filter((a) => a.status !== 'cancelled'), ...absences].sort((a, b) =>
    a.start < b.start ? -1 : 1,
  );
  const { hours, slotMinutes } = hoursInForce(centre, own);
  const country = centre.address?.country ?? 'BE';
  const slots = freeSlotsOf({
    from: query.from,
    days: query.days,
    zone,
    hours: hours.filter(
      (h) => !query.locationId || !('locationId' in h) || !h.locationId || h.locationId === query.locationId,
    ),
    slotMinutes,
    durationMinutes: type.durationMinutes,
    busy,
    now: Date.now(),
    isHoliday: (date) => isPublicHoliday(country, date),
  });
  return { practitionerId, timeZone: zone, durationMinutes: type.durationMinutes, slots };
}
