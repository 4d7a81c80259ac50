import { DateTime } from 'luxon';
import { centreLookup, membershipLookup } from '#contexts/centres';
import { patientLookup } from '#contexts/patients';
import type { Actor } from '#shared/access/actor';
import type { AuditActor } from '#shared/audit/audit';
import {
  assertAgendaAccess,
  assertMayOverrideQuota,
  assertPatientVisible,
  authorize,
  canSeePractitionerPatients,
  mayHandleClinicalData,
} from '#shared/access/policy';
import { auditPut, recordRead } from '#shared/audit/audit';
import { batchLookup, type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, forbidden, notFound, ruleViolation, validationError } from '#shared/errors';
import { newId } from '#shared/ids';
import { logger } from '#shared/logger';
import type { Origin } from '#shared/origin';
import {
  appointmentDelete,
  appointmentFromItem,
  appointmentLookup,
  appointmentPut,
  appointmentTypeLookup,
  cellChanges,
  cellOpItem,
  invertCellOp,
  moveCellOps,
  episodeGiveBack,
  episodeLookup,
  episodePlan,
  findAppointment,
  plannedRemindersUpdate,
  hoursLookup,
  isOpen,
  patientAppointmentsPage,
  type StoredAppointment,
  type StoredEpisode,
  absencesBetween,
} from './repository';
import { assertLocations, episodeRefusal, hoursInForce, overlaps, tooManyOccurrences, withinHours } from './rules';
import {
  type Appointment,
  type CreateAppointmentInput,
  MAX_SERIES_OCCURRENCES,
  type MoveAppointmentInput,
  type UpdateAppointmentInput,
} from './schemas';
import { assertOnGrid, cellsOf, instantOf, iso, localDateOf, localStartOf } from './time';
import { noReminders, type ReminderPlanner } from './reminder-planner';

/**
 * Booking, moving and cancelling. The invariant — a practitioner's minute is never booked twice —
 * is DynamoDB's: every booking takes its occupied-time cells with `attribute_not_exists` in the same
 * transaction as the appointment, a move frees the old cells only in the transaction that takes the
 * new ones, a cancellation frees them with the status change. No check reads the agenda first.
 */

/** What the actor may see of an appointment: secretaries never see clinical notes. */
export function appointmentView(actor: Actor, a: StoredAppointment): Appointment {
  const { centreId, episodeKind, plannedReminders, notes, ...rest } = a;
  return mayHandleClinicalData(actor) && notes !== undefined ? { ...rest, notes } : rest;
}

function assertNoClinicalNotes(actor: Actor, notes: unknown) {
  if (notes !== undefined && !mayHandleClinicalData(actor))
    throw forbidden('Secretaries may not write clinical notes', 'clinical_data_forbidden');
}

const slotTaken = () =>
  conflict('slot_taken', 'The practitioner already has an appointment at that time (another booking took it)');
const staleVersion = (currentVersion: number) =>
  conflict('version_conflict', 'The appointment was changed by someone else: reload and retry', { currentVersion });

/** An appointment the actor may act on, or 404 (another centre's, or a colleague's the actor does not serve). */
async function visibleAppointment(actor: Actor, appointmentId: string) {
  const found = await findAppointment(actor.centreId, appointmentId);
  if (!found || !canSeePractitionerPatients(actor, found.practitionerId)) throw notFound('appointment');
  return found;
}

function assertActivePractitioner(member: { role: string; status: string } | undefined, field: string) {
  if (member?.role !== 'practitioner' || member.status !== 'active')
    throw ruleViolation('not_a_practitioner', 'Appointments are in the agenda of an active practitioner', {
      fields: [{ field, message: 'not an active practitioner of this centre' }],
    });
}

/** How far ahead an appointment may be booked or moved. */
export const HORIZON_YEARS = 3;
function assertHorizon(t: DateTime, field: string) {
  if (t.toMillis() > DateTime.now().plus({ years: HORIZON_YEARS }).toMillis())
    throw ruleViolation('too_far_ahead', `Appointments are booked at most ${HORIZON_YEARS} years ahead`, {
      fields: [{ field, message: `more than ${HORIZON_YEARS} years ahead` }],
    });
}

const inThePast = (field: string) =>
  ruleViolation('in_the_past', 'Appointments are booked and moved ahead of now', {
    fields: [{ field, message: 'is in the past' }],
  });

/** Where the practitioner may not be booked: outside their hours, during an absence. */
async function assertAvailable(
  actor: Actor,
  practitionerId: string,
  ranges: { start: DateTime; end: DateTime }[],
  hours: ReturnType<typeof hoursInForce>['hours'],
  locationId: string | undefined,
  field: string,
) {
  const outside = ranges.filter((r) => !withinHours(r.start, r.end, hours, locationId));
  if (outside.length)
    throw ruleViolation('outside_opening_hours', 'Outside the practitioner’s opening hours', {
      fields: [{ field, message: `outside opening hours on ${outside.map((r) => localStartOf(r.start)).join(', ')}` }],
    });
  const from = iso(ranges[0]!.start);
  const to = iso(ranges[ranges.length - 1]!.end);
  const absences = await absencesBetween(actor.centreId, practitionerId, from, to);
  const clashes = ranges.filter((r) => absences.some((a) => overlaps(a, { start: iso(r.start), end: iso(r.end) })));
  if (clashes.length)
    throw ruleViolation('practitioner_absent', 'The practitioner is absent (leave, sick leave) at that time', {
      fields: [{ field, message: `absent on ${clashes.map((r) => localStartOf(r.start)).join(', ')}` }],
    });
}

/** The most items one transaction takes, and how many a series may use (its budget). */
const TRANSACTION_ITEMS = 100;
/** Items of appointments a chunk may hold: the transaction's, less the episode update and the audit event. */
const CHUNK_ITEMS = TRANSACTION_ITEMS - 2;
const MAX_SERIES_TRANSACTIONS = 6;

export async function createAppointment(
  actor: Actor,
  input: CreateAppointmentInput,
  origin: Origin,
  reminders: ReminderPlanner = noReminders,
) {
  authorize(actor, 'agenda:book');
  const practitionerId = input.practitionerId ?? (actor.role === 'practitioner' ? actor.userId : undefined);
  if (!practitionerId)
    throw validationError('Say whose agenda', [{ field: 'body.practitionerId', message: 'required' }]);
  assertAgendaAccess(actor, practitionerId);
  assertNoClinicalNotes(actor, input.notes);
  if (input.overrideQuota) {
    if (!input.episodeId)
      throw validationError('An override is for a care episode’s quota', [
        { field: 'body.overrideQuota', message: 'only with episodeId' },
      ]);
    assertMayOverrideQuota(actor, practitionerId);
  }
  const c = actor.centreId;
  const [centre, patient, type, member, ownHours, episode, ...planning] = await batchLookup(
    centreLookup(c),
    patientLookup(c, input.patientId),
    appointmentTypeLookup(c, input.appointmentTypeId),
    membershipLookup(c, practitionerId),
    hoursLookup(c, practitionerId),
    input.episodeId ? episodeLookup(c, input.patientId, input.episodeId) : undefined,
    ...reminders.lookups(c, input.patientId),
  );
  if (!centre) throw notFound('centre');
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  assertActivePractitioner(member, 'body.practitionerId');
  if (!type)
    throw ruleViolation('unknown_appointment_type', 'No such appointment type in this centre', {
      fields: [{ field: 'body.appointmentTypeId', message: 'unknown appointment type' }],
    });
  assertLocations(centre, {
    'body.locationId': input.locationId,
    'body.travel.fromLocationId': input.travel?.fromLocationId,
    'body.travel.toLocationId': input.travel?.toLocationId,
  });
  const zone = centre.timeZone;
  const first = instantOf(input.start, zone, 'body.start');
  assertOnGrid(first, 'body.start');
  if (first.toMillis() <= Date.now()) throw inThePast('body.start');
  assertHorizon(first, 'body.start');
  const duration = input.durationMinutes ?? type.durationMinutes;
  const starts = input.recurrence ? seriesOf(first, input.recurrence) : [first];
  const ranges = starts.map((start) => ({ start, end: start.plus({ minutes: duration }) }));
  assertHorizon(starts[starts.length - 1]!, 'body.recurrence');
  const { hours } = hoursInForce(centre, ownHours);
  await assertAvailable(actor, practitionerId, ranges, hours, input.locationId, 'body.start');

  const units = type.episodeUnits;
  if (input.episodeId) {
    if (!episode) throw notFound('care_episode');
    for (const r of ranges) {
      const refusal = episodeRefusal(episode, type.episodeKind, localDateOf(r.start));
      if (refusal && (refusal.code === 'not_in_episode' || !input.overrideQuota))
        throw ruleViolation(refusal.code, refusal.message, {
          fields: [{ field: 'body.episodeId', message: `${refusal.message} (${localDateOf(r.start)})` }],
        });
    }
  }

  const now = new Date().toISOString();
  const seriesId = ranges.length > 1 ? newId() : undefined;
  const appointments = ranges.map((r, index): StoredAppointment => ({
    appointmentId: newId(),
    centreId: c,
    practitionerId,
    patientId: patient.patientId,
    patient: { firstName: patient.firstName, lastName: patient.lastName },
    appointmentTypeId: type.appointmentTypeId,
    typeName: type.name,
    ...(type.priceCode ? { priceCode: type.priceCode } : {}),
    start: iso(r.start),
    end: iso(r.end),
    timeZone: zone,
    localDate: localDateOf(r.start),
    localStart: localStartOf(r.start),
    durationMinutes: duration,
    status: 'booked',
    ...(input.locationId ? { locationId: input.locationId } : {}),
    ...(input.notes ? { notes: input.notes } : {}),
    ...(input.videoLink ? { videoLink: input.videoLink } : {}),
    ...(input.travel ? { travel: input.travel } : {}),
    ...(input.episodeId && type.episodeKind ? { episodeId: input.episodeId, episodeKind: type.episodeKind } : {}),
    units,
    ...(seriesId ? { seriesId, seriesIndex: index } : {}),
    ...(input.overrideQuota
      ? { quotaOverride: { by: actor.userId, at: now, reason: input.overrideQuota.reason } }
      : {}),
    sequence: 0,
    version: 1,
    createdAt: now,
    createdBy: actor.userId,
    updatedAt: now,
  }));
  await bookTogether(
    actor,
    origin,
    appointments,
    episode,
    !input.overrideQuota,
    (a) => reminders.plan(planning, undefined, a),
    (a) => reminders.plan([], a, undefined),
  );
  const [booked] = appointments;
  return {
    ...appointmentView(actor, booked!),
    ...(seriesId ? { occurrences: appointments.map((a) => ({ appointmentId: a.appointmentId, start: a.start })) } : {}),
  };
}

function seriesOf(first: DateTime, rule: NonNullable<CreateAppointmentInput['recurrence']>) {
  const starts: DateTime[] = [];
  for (let i = 0; starts.length < (rule.count ?? MAX_SERIES_OCCURRENCES + 1); i++) {
    const next = first.plus({ weeks: i * rule.everyWeeks });
    if (rule.until !== undefined && localDateOf(next) > rule.until) break;
    if (next.hour !== first.hour || next.minute !== first.minute)
      throw ruleViolation('nonexistent_local_time', 'An occurrence falls in the hour the clocks skip', {
        fields: [{ field: 'body.start', message: `${localDateOf(next)} has no ${first.toFormat('HH:mm')}` }],
      });
    starts.push(next);
  }
  if (starts.length > MAX_SERIES_OCCURRENCES) throw tooManyOccurrences(MAX_SERIES_OCCURRENCES);
  if (starts.length < 2)
    throw validationError('A series has at least two occurrences', [
      { field: 'body.recurrence.until', message: 'leaves fewer than two occurrences' },
    ]);
  return starts;
}

/**
 * Books appointments (one, or a series) in as few transactions as they fit: each holds whole
 * appointments with their cells, the episode's planned sessions and an audit event. If a later
 * transaction of a series fails, the earlier ones are undone, so a series is booked whole or not at all.
 */
type Planned = { items: TransactItem[] };

async function bookTogether(
  actor: Actor,
  origin: Origin,
  appointments: StoredAppointment[],
  episode: StoredEpisode | undefined,
  enforceQuota: boolean,
  plan: (a: StoredAppointment) => Planned & { planned: string[] },
  unplan: (a: StoredAppointment) => Planned,
) {
  const booked = appointments.map((a) => {
    const reminders = plan(a);
    if (reminders.planned.length) a.plannedReminders = reminders.planned;
    return { a, reminders: reminders.items };
  });
  const chunks = chunked(booked, (b) => 1 + cellsOf(b.a.start, b.a.end).length + b.reminders.length);
  if (chunks.length > MAX_SERIES_TRANSACTIONS) throw tooManyOccurrences(Math.floor(appointments.length / 2));
  const done: StoredAppointment[][] = [];
  try {
    for (const chunk of chunks) {
      await bookChunk(actor, origin, chunk, episode, enforceQuota);
      done.push(chunk.map((b) => b.a));
    }
  } catch (error) {
    for (const chunk of done) await undoChunk(actor, origin, chunk, episode, unplan);
    throw error;
  }
}

async function bookChunk(
  actor: Actor,
  origin: Origin,
  booked: { a: StoredAppointment; reminders: TransactItem[] }[],
  episode: StoredEpisode | undefined,
  enforceQuota: boolean,
) {
  const chunk = booked.map((b) => b.a);
  const first = chunk[0]!;
  const items: TransactItem[] = booked.flatMap(({ a, reminders }) => [
    appointmentPut(a),
    ...cellChanges(a.centreId, a.appointmentId, undefined, a),
    ...reminders,
  ]);
  const episodeIndex = items.length;
  if (episode && first.episodeKind)
    items.push(episodePlan(episode, first.episodeKind, first.units * chunk.length, enforceQuota));
  items.push(
    auditPut(actor, origin, {
      action: 'appointment.create',
      patientId: first.patientId,
      recordIds: chunk.map((a) => a.appointmentId),
      fields: Object.keys(first).filter((f) => f === 'notes' || f === 'episodeId' || f === 'quotaOverride'),
    }),
  );
  try {
    await transactWrite(items);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.includes(episodeIndex) && episode)
      throw ruleViolation('quota_exhausted', 'The care episode has no session of this kind left', {
        fields: [{ field: 'body.episodeId', message: 'no session left (a manager or the practitioner may override)' }],
      });
    if (failed.length) throw slotTaken();
    throw error;
  }
}

/** Takes back a committed part of a series whose later part could not be booked. */
async function undoChunk(
  actor: Actor,
  origin: Origin,
  chunk: StoredAppointment[],
  episode: StoredEpisode | undefined,
  unplan: (a: StoredAppointment) => Planned,
) {
  const first = chunk[0]!;
  const items: TransactItem[] = chunk.flatMap((a) => [
    appointmentDelete(a),
    ...cellChanges(a.centreId, a.appointmentId, a, undefined),
    ...unplan(a).items,
  ]);
  if (episode && first.episodeKind)
    items.push(episodePlan(episode, first.episodeKind, -first.units * chunk.length, false));
  items.push(
    auditPut(actor, origin, {
      action: 'appointment.undo',
      patientId: first.patientId,
      recordIds: chunk.map((a) => a.appointmentId),
    }),
  );
  try {
    await transactWrite(items);
  } catch (error) {
    logger.error('A series could not be undone after a failed booking', {
      appointmentIds: chunk.map((a) => a.appointmentId),
      error,
    });
  }
}

function changed(before: StoredAppointment, changes: Partial<StoredAppointment>): StoredAppointment {
  return {
    ...before,
    ...changes,
    sequence: before.sequence + 1,
    version: before.version + 1,
    updatedAt: new Date().toISOString(),
  };
}

function assertMovable(a: StoredAppointment, version: number) {
  if (a.version !== version) throw staleVersion(a.version);
  if (!isOpen(a))
    throw conflict('appointment_closed', `The appointment is ${a.status.replace('_', '-')}: it can no longer change`);
  if (Date.parse(a.start) <= Date.now())
    throw ruleViolation('appointment_started', 'The appointment has started: close it (done, no-show) instead');
}

export async function getAppointment(actor: Actor, appointmentId: string, origin: Origin) {
  authorize(actor, 'agenda:read');
  const a = await visibleAppointment(actor, appointmentId);
  await recordRead(actor, origin, { action: 'appointment.read', patientId: a.patientId, recordIds: [a.appointmentId] });
  return appointmentView(actor, a);
}

export async function moveAppointment(
  actor: Actor,
  appointmentId: string,
  input: MoveAppointmentInput,
  origin: Origin,
  reminders: ReminderPlanner = noReminders,
) {
  authorize(actor, 'agenda:book');
  const before = await visibleAppointment(actor, appointmentId);
  assertMovable(before, input.version);
  const practitionerId = input.practitionerId ?? before.practitionerId;
  assertAgendaAccess(actor, practitionerId);
  const start = instantOf(input.start, before.timeZone, 'body.start');
  assertOnGrid(start, 'body.start');
  if (start.toMillis() <= Date.now()) throw inThePast('body.start');
  assertHorizon(start, 'body.start');
  // This occurrence, or it and the following ones of its series.
  const targets = [before];
  if (input.scope === 'following' && before.seriesId) targets.push(...(await followingOccurrences(actor, before)));
  const c = actor.centreId;
  const episodeIds = [...new Set(targets.flatMap((t) => (t.episodeId ? [t.episodeId] : [])))];
  const planningLookups = reminders.lookups(c, before.patientId);
  const [centre, ownHours, member, ...rest] = await batchLookup(
    centreLookup(c),
    hoursLookup(c, practitionerId),
    practitionerId !== before.practitionerId ? membershipLookup(c, practitionerId) : undefined,
    ...planningLookups,
    ...episodeIds.map((id) => episodeLookup(c, before.patientId, id)),
  );
  const planning = rest.slice(0, planningLookups.length);
  const episodes = rest.slice(planningLookups.length) as (StoredEpisode | undefined)[];
  if (!centre) throw notFound('centre');
  if (practitionerId !== before.practitionerId) assertActivePractitioner(member, 'body.practitionerId');
  assertLocations(centre, { 'body.locationId': input.locationId });

  // Each occurrence moves by the same number of days, to the new wall-clock time (a Tuesday 09:00
  // series moved to Thursday 10:00 stays weekly), keeping its own duration and place unless given.
  const zone = before.timeZone;
  const shiftDays = Math.round(
    start.startOf('day').diff(DateTime.fromISO(before.start, { zone }).startOf('day'), 'days').days,
  );
  const pairs = targets.map((from) => {
    const s =
      from === before
        ? start
        : DateTime.fromISO(from.start, { zone })
            .plus({ days: shiftDays })
            .set({ hour: start.hour, minute: start.minute });
    if (s.hour !== start.hour || s.minute !== start.minute)
      throw ruleViolation('nonexistent_local_time', 'An occurrence would fall in the hour the clocks skip', {
        fields: [{ field: 'body.start', message: `${localDateOf(s)} has no ${start.toFormat('HH:mm')}` }],
      });
    const e = s.plus({ minutes: input.durationMinutes ?? from.durationMinutes });
    const locationId = input.locationId ?? from.locationId;
    const episode = episodes.find((x) => x?.episodeId === from.episodeId);
    const refusal = episode && episodeRefusal(episode, from.episodeKind, localDateOf(s));
    if (refusal && !from.quotaOverride)
      throw ruleViolation(refusal.code, refusal.message, {
        fields: [{ field: 'body.start', message: `${refusal.message} (${localDateOf(s)})` }],
      });
    return {
      from,
      range: { start: s, end: e },
      to: changed(from, {
        practitionerId,
        start: iso(s),
        end: iso(e),
        localDate: localDateOf(s),
        localStart: localStartOf(s),
        durationMinutes: e.diff(s, 'minutes').minutes,
        ...(locationId ? { locationId } : {}),
      }),
    };
  });
  await assertAvailable(
    actor,
    practitionerId,
    pairs.map((p) => p.range),
    hoursInForce(centre, ownHours).hours,
    input.locationId ?? before.locationId,
    'body.start',
  );
  const audit = (chunk: { from: StoredAppointment }[]) =>
    auditPut(actor, origin, {
      action: 'appointment.move',
      patientId: before.patientId,
      recordIds: chunk.map((p) => p.from.appointmentId),
      fields: Object.keys(input).filter((f) => f !== 'version' && f !== 'scope'),
    });
  await moveTogether(pairs, audit, (from, to) => reminders.plan(planning, from, to));
  const [first] = pairs;
  return {
    ...appointmentView(actor, first!.to),
    ...(pairs.length > 1 ? { movedAppointmentIds: pairs.map((p) => p.to.appointmentId) } : {}),
  };
}

/**
 * Moves appointments together (one, or the rest of a series) in as few transactions as they fit:
 * each holds whole moves — the appointment (condition: the version read) and its cell changes,
 * computed for the whole set at once so a cell one occurrence leaves and another takes is one
 * hand-over. If a later transaction fails, the earlier ones are reversed exactly (each cell change
 * inverted, each appointment put back as it was): a series moves whole or not at all.
 */
async function moveTogether(
  pairs: { from: StoredAppointment; to: StoredAppointment }[],
  audit: (chunk: { from: StoredAppointment }[]) => TransactItem,
  replan: (from: StoredAppointment, to: StoredAppointment) => Planned & { planned: string[] },
) {
  const ops = moveCellOps(pairs);
  const indexed = pairs.map((pair, move) => {
    const own = ops.filter((op) => op.move === move);
    const reminders = replan(pair.from, pair.to);
    if (1 + own.length + reminders.items.length <= CHUNK_ITEMS) {
      pair.to.plannedReminders = reminders.planned;
      return { ...pair, ops: own, reminders: reminders.items, later: undefined };
    }
    // A long session moved far (up to 96 cell changes) leaves no room for its reminders: they follow
    // in a transaction of their own once the move is done; until then the old ones stay planned
    // (the dispatcher skips a reminder whose appointment is not at its time any more).
    pair.to.plannedReminders = pair.from.plannedReminders;
    return { ...pair, ops: own, reminders: [], later: reminders };
  });
  const chunks = chunked(indexed, (p) => 1 + p.ops.length + p.reminders.length);
  if (chunks.length > MAX_SERIES_TRANSACTIONS) throw tooManyOccurrences(MAX_SERIES_OCCURRENCES);
  const centreId = pairs[0]!.from.centreId;
  const done: typeof chunks = [];
  try {
    for (const chunk of chunks) {
      await commitAppointments(
        chunk.map((p) => ({ appointment: p.to, expectedVersion: p.from.version })),
        chunk.flatMap((p) => [...p.ops.map((op) => cellOpItem(centreId, op)), ...p.reminders]),
        audit(chunk),
      );
      done.push(chunk);
    }
  } catch (error) {
    // Undone: each appointment back at its time, its reminders planned again for it (those of a
    // move whose reminders were to follow were never touched: they stay).
    for (const chunk of done.reverse()) {
      const undone = chunk.map((p) => {
        const back: StoredAppointment = {
          ...p.from,
          version: p.to.version + 1,
          sequence: p.to.sequence + 1,
          updatedAt: new Date().toISOString(),
        };
        const reminders = p.later ? { items: [], planned: p.from.plannedReminders ?? [] } : replan(p.to, back);
        back.plannedReminders = reminders.planned;
        return { p, back, reminders: reminders.items };
      });
      await commitAppointments(
        undone.map(({ p, back }) => ({ appointment: back, expectedVersion: p.to.version })),
        undone.flatMap(({ p, reminders }) => [
          ...p.ops.map((op) => cellOpItem(centreId, invertCellOp(op))),
          ...reminders,
        ]),
        audit(chunk),
      ).catch((undoError: unknown) =>
        logger.error('A series move could not be undone', {
          appointmentIds: chunk.map((p) => p.from.appointmentId),
          undoError,
        }),
      );
    }
    throw error;
  }
  for (const p of indexed.filter((x) => x.later)) {
    try {
      await transactWrite([...p.later!.items, plannedRemindersUpdate(p.to, p.later!.planned)]);
      p.to.plannedReminders = p.later!.planned;
    } catch (error) {
      // Changed meanwhile: that change planned from the old keys, which it withdrew.
      logger.warn('Reminders of a moved appointment not planned again', {
        appointmentId: p.to.appointmentId,
        error: (error as Error).name,
      });
    }
  }
}

/**
 * Writes appointments' new states (each if still the version read), cell changes and the audit event
 * in one transaction: 409 `version_conflict` if an appointment changed, `slot_taken` if a cell did.
 */
export async function commitAppointments(
  appointments: { appointment: StoredAppointment; expectedVersion: number }[],
  cells: TransactItem[],
  audit: TransactItem,
) {
  try {
    await transactWrite([
      ...appointments.map((a) => appointmentPut(a.appointment, a.expectedVersion)),
      ...cells,
      audit,
    ]);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.some((index) => index < appointments.length)) throw staleVersion(appointments[0]!.expectedVersion);
    if (failed.length) throw slotTaken();
    throw error;
  }
}

/** The open occurrences of the appointment's series after it (one Query of the patient's appointments). */
async function followingOccurrences(actor: Actor, a: StoredAppointment) {
  const page = await patientAppointmentsPage(actor.centreId, a.patientId, 'upcoming', a.start, 500);
  return page.items
    .map(appointmentFromItem)
    .filter((o) => o.seriesId === a.seriesId && o.appointmentId !== a.appointmentId && isOpen(o) && o.start > a.start);
}

export async function updateAppointment(
  actor: Actor,
  appointmentId: string,
  input: UpdateAppointmentInput,
  origin: Origin,
) {
  authorize(actor, 'agenda:book');
  assertNoClinicalNotes(actor, input.notes);
  const [before, centre] = await batchLookup(
    appointmentLookup(actor.centreId, appointmentId),
    centreLookup(actor.centreId),
  );
  if (!before || !canSeePractitionerPatients(actor, before.practitionerId)) throw notFound('appointment');
  if (!centre) throw notFound('centre');
  if (before.version !== input.version) throw staleVersion(before.version);
  if (before.status === 'cancelled') throw conflict('appointment_closed', 'The appointment is cancelled');
  assertLocations(centre, {
    'body.locationId': input.locationId ?? undefined,
    'body.travel.fromLocationId': input.travel?.fromLocationId,
    'body.travel.toLocationId': input.travel?.toLocationId,
  });
  if (input.locationId && input.locationId !== before.locationId) {
    // Another place: the practitioner's hours at that place must cover the session.
    if (!isOpen(before)) throw conflict('appointment_closed', `The appointment is ${before.status.replace('_', '-')}`);
    const [ownHours] = await batchLookup(hoursLookup(actor.centreId, before.practitionerId));
    const [start, end] = [
      DateTime.fromISO(before.start, { zone: before.timeZone }),
      DateTime.fromISO(before.end, { zone: before.timeZone }),
    ];
    if (!withinHours(start, end, hoursInForce(centre, ownHours).hours, input.locationId))
      throw ruleViolation('outside_opening_hours', 'The practitioner does not work at that location then', {
        fields: [{ field: 'body.locationId', message: 'outside the practitioner’s hours at that location' }],
      });
  }
  const after = changed(before, {});
  const record = after as unknown as Record<string, unknown>;
  const { version, ...changes } = input;
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete record[field];
    else if (value !== undefined) record[field] = value;
  }
  await commitAppointments(
    [{ appointment: after, expectedVersion: before.version }],
    [],
    auditPut(actor, origin, {
      action: 'appointment.update',
      patientId: before.patientId,
      recordIds: [appointmentId],
      fields: Object.keys(changes),
    }),
  );
  return appointmentView(actor, after);
}

export async function cancelAppointment(
  actor: Actor,
  appointmentId: string,
  input: { version: number; reason: string; scope: 'occurrence' | 'following' },
  origin: Origin,
  reminders: ReminderPlanner = noReminders,
) {
  authorize(actor, 'agenda:book');
  const before = await visibleAppointment(actor, appointmentId);
  assertMovable(before, input.version);
  const targets = [before];
  if (input.scope === 'following' && before.seriesId) targets.push(...(await followingOccurrences(actor, before)));
  const cancellation = { by: actor.userId, at: new Date().toISOString(), reason: input.reason };
  const cancelled = await cancelTogether(actor, origin, targets, cancellation, reminders);
  return {
    ...appointmentView(actor, changed(before, { status: 'cancelled', cancellation })),
    cancelledAppointmentIds: cancelled,
  };
}

/**
 * Cancels appointments (one, or the rest of a series) in as few transactions as they fit: each
 * holds the status changes (condition: the version read), the cells freed, the care episode's units
 * given back, the reminders withdrawn and the audit event. A cancellation cannot be refused by
 * cells, so a failure means an occurrence changed meanwhile: the answer names those already cancelled.
 */
async function cancelTogether(
  actor: AuditActor,
  origin: Origin,
  targets: StoredAppointment[],
  cancellation: NonNullable<StoredAppointment['cancellation']>,
  reminders: ReminderPlanner,
) {
  const cancelled: string[] = [];
  const withdrawn = targets.map((a) => {
    const after = changed(a, { status: 'cancelled', cancellation });
    const plan = reminders.plan([], a, after);
    after.plannedReminders = plan.planned;
    return { a, after, reminders: plan.items };
  });
  const chunks = chunked(withdrawn, (w) => 1 + cellsOf(w.a.start, w.a.end).length + w.reminders.length);
  if (chunks.length > MAX_SERIES_TRANSACTIONS)
    throw ruleViolation('series_too_long', 'Too many occurrences to cancel at once: cancel from a later one first', {
      fields: [{ field: 'body.scope', message: `more than ${MAX_SERIES_TRANSACTIONS} transactions of occurrences` }],
    });
  for (const chunk of chunks) {
    const items: TransactItem[] = chunk.flatMap(({ a, after, reminders: withdrawals }) => [
      appointmentPut(after, a.version),
      ...cellChanges(a.centreId, a.appointmentId, a, undefined),
      ...withdrawals,
    ]);
    const planned = chunk.map((w) => w.a).filter((a) => a.episodeId && a.episodeKind);
    const first = planned[0];
    if (first)
      items.push(
        episodeGiveBack(
          { centreId: first.centreId, patientId: first.patientId, episodeId: first.episodeId! },
          first.episodeKind!,
          planned.reduce((sum, a) => sum + a.units, 0),
        ),
      );
    items.push(
      auditPut(actor, origin, {
        action: 'appointment.cancel',
        patientId: targets[0]!.patientId,
        recordIds: chunk.map((w) => w.a.appointmentId),
      }),
    );
    try {
      await transactWrite(items);
    } catch (error) {
      if (transactionConditionFailed(error).length)
        throw conflict(
          cancelled.length ? 'series_partly_cancelled' : 'version_conflict',
          'The appointment was changed by someone else: reload and retry',
          { currentVersion: targets[0]!.version, ...(cancelled.length ? { cancelledAppointmentIds: cancelled } : {}) },
        );
      throw error;
    }
    cancelled.push(...chunk.map((w) => w.a.appointmentId));
  }
  return cancelled;
}

/**
 * A patient's answer to a reminder, from its link (no sign-in: the link's holder is the principal,
 * recorded as such). Only for an open appointment that has not started, and only while it is still
 * at the time the reminder announced (`expectedStart`): a moved appointment answers 409.
 */
export async function answerFromReminder(
  holder: AuditActor,
  appointmentId: string,
  answer: { action: 'confirm' | 'cancel'; expectedStart: string },
  origin: Origin,
  reminders: ReminderPlanner,
): Promise<StoredAppointment> {
  const before = await findAppointment(holder.centreId, appointmentId);
  if (!before) throw notFound('appointment');
  if (before.start !== answer.expectedStart)
    throw conflict('appointment_moved', 'The appointment has moved since this reminder: see the newer reminder');
  if (before.status === 'cancelled') throw conflict('appointment_closed', 'The appointment is already cancelled');
  if (!isOpen(before) || Date.parse(before.start) <= Date.now())
    throw conflict('appointment_closed', 'The appointment has taken place or started');
  if (answer.action === 'cancel') {
    const cancellation = {
      by: holder.userId,
      at: new Date().toISOString(),
      reason: 'Cancelled by the patient from a reminder',
    };
    await cancelTogether(holder, origin, [before], cancellation, reminders);
    return changed(before, { status: 'cancelled', cancellation });
  }
  if (before.status === 'confirmed') return before;
  const after = changed(before, {
    status: 'confirmed',
    statusChange: { by: holder.userId, at: new Date().toISOString() },
  });
  await commitAppointments(
    [{ appointment: after, expectedVersion: before.version }],
    [],
    auditPut(holder, origin, {
      action: 'appointment.confirm',
      patientId: before.patientId,
      recordIds: [appointmentId],
      fields: ['status'],
    }),
  );
  return after;
}

/** Groups items so that each group's size (transaction items) stays within one transaction. */
export function chunked<T>(all: T[], size: (item: T) => number, max = CHUNK_ITEMS): T[][] {
  const chunks: T[][] = [];
  let used = 0;
  for (const item of all) {
    const n = size(item);
    const last = chunks[chunks.length - 1];
    if (!last || used + n > max) {
      chunks.push([item]);
      used = n;
    } else {
      last.push(item);
      used += n;
    }
  }
  return chunks;
}
