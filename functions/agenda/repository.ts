import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  getItem,
  type Item,
  type Lookup,
  queryCollection,
  queryIndex,
  queryPage,
  type QuerySpec,
  stripKeys,
  type TransactItem,
} from '#shared/db/table';
import type { IndexName } from '#shared/db/table-definition';
import type {
  Appointment,
  AppointmentType,
  CalendarLink,
  CareEpisode,
  CentreEvent,
  Hours,
  OnlineBooking,
} from './schemas';
import { cellsOf } from './time';

/**
 * Agenda items (keys: docs/DATA_MODEL.md). An appointment is one item, indexed by the centre's
 * day (gsi1), the practitioner's agenda (gsi2), the patient (gsi3) and, while booked or confirmed,
 * the practitioner's open sessions (gsi4). Its time is also held by one occupied-cell item per
 * 5 minutes, written with `attribute_not_exists` in the same transaction: DynamoDB itself refuses a
 * second booking of any minute (docs/decisions/0018-agenda-occupied-time.md).
 */

// --- Appointments -------------------------------------------------------------------------------

/**
 * Stored appointments may carry fields the API does not show, kept and stripped on answer: the
 * episode kind, and the keys of the reminders planned for its current time (reminder-planner.ts).
 */
export type StoredAppointment = Appointment & { centreId: string; episodeKind?: string; plannedReminders?: string[] };

const OPEN: readonly string[] = ['booked', 'confirmed'];
export const isOpen = (a: Pick<Appointment, 'status'>) => OPEN.includes(a.status);

export function appointmentItem(a: StoredAppointment): Item {
  return {
    ...keys.appointment(a.centreId, a.appointmentId),
    ...keys.centreDayIndex(a.centreId, a.localDate, a.start, a.practitionerId, a.appointmentId),
    ...keys.practitionerAgendaIndex(a.centreId, a.practitionerId, a.start, a.appointmentId),
    ...keys.patientAppointmentsIndex(a.centreId, a.patientId, a.start, a.appointmentId),
    ...(isOpen(a) ? keys.openSessionsIndex(a.centreId, a.practitionerId, a.start, a.appointmentId) : {}),
    entity: 'Appointment',
    ...a,
  };
}

export const appointmentFromItem = (item: Item) => stripKeys(item) as unknown as StoredAppointment;

export const appointmentLookup = (centreId: string, appointmentId: string): Lookup<StoredAppointment | undefined> => ({
  key: keys.appointment(centreId, appointmentId),
  read: (item) => (item ? appointmentFromItem(item) : undefined),
});

export async function findAppointment(centreId: string, appointmentId: string) {
  const item = await getItem(keys.appointment(centreId, appointmentId), true);
  return item ? appointmentFromItem(item) : undefined;
}

/** Puts the appointment if new (first booking), else replaces it if its version is the one read. */
export function appointmentPut(a: StoredAppointment, expectedVersion?: number): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: appointmentItem(a),
      ...(expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
    },
  };
}

/**
 * Records the reminders now planned for an appointment (their own transaction, after a move too
 * large to hold them), if the appointment is still the version moved.
 */
export const plannedRemindersUpdate = (a: StoredAppointment, planned: string[]): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.appointment(a.centreId, a.appointmentId),
    ConditionExpression: 'version = :expected',
    UpdateExpression: 'SET plannedReminders = :planned',
    ExpressionAttributeValues: { ':expected': a.version, ':planned': planned },
  },
});

/** Removes a first version (a series taken back because a later part could not be booked). */
export const appointmentDelete = (a: StoredAppointment): TransactItem => ({
  Delete: {
    TableName: tableName,
    Key: keys.appointment(a.centreId, a.appointmentId),
    ConditionExpression: 'version = :expected',
    ExpressionAttributeValues: { ':expected': a.version },
  },
});

// --- Occupied time ------------------------------------------------------------------------------

/** Cells are kept a day past the appointment's end (TTL): nothing moves or cancels a past session. */
const cellTtl = (end: string) => Math.floor(Date.parse(end) / 1000) + 86_400;

/** Takes the cells: fails (the transaction with it) if any is already held, by whatever booking. */
export const cellPuts = (
  centreId: string,
  practitionerId: string,
  cells: string[],
  appointmentId: string,
  end: string,
) =>
  cells.map((cell): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: {
        ...keys.occupiedCell(centreId, practitionerId, cell),
        entity: 'OccupiedCell',
        appointmentId,
        ttl: cellTtl(end),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));

/** Frees cells this appointment holds (and only if it still holds them). */
export const cellDeletes = (centreId: string, practitionerId: string, cells: string[], appointmentId: string) =>
  cells.map((cell): TransactItem => ({
    Delete: {
      TableName: tableName,
      Key: keys.occupiedCell(centreId, practitionerId, cell),
      ConditionExpression: 'appointmentId = :a',
      ExpressionAttributeValues: { ':a': appointmentId },
    },
  }));

interface Held {
  practitionerId: string;
  start: string;
  end: string;
}

/**
 * The cell changes that move an appointment's time from `before` to `after` (either may be absent):
 * cells only the new time covers are taken, cells only the old one covered are freed, cells both
 * cover are left alone (one transaction may not touch an item twice).
 */
export function cellChanges(centreId: string, appointmentId: string, before?: Held, after?: Held): TransactItem[] {
  const id = (p: string, cell: string) => `${p}|${cell}`;
  const old = new Set(before ? cellsOf(before.start, before.end).map((c) => id(before.practitionerId, c)) : []);
  const next = new Set(after ? cellsOf(after.start, after.end).map((c) => id(after.practitionerId, c)) : []);
  const freed = before ? cellsOf(before.start, before.end).filter((c) => !next.has(id(before.practitionerId, c))) : [];
  const taken = after ? cellsOf(after.start, after.end).filter((c) => !old.has(id(after.practitionerId, c))) : [];
  return [
    ...(before ? cellDeletes(centreId, before.practitionerId, freed, appointmentId) : []),
    ...(after ? cellPuts(centreId, after.practitionerId, taken, appointmentId, after.end) : []),
  ];
}

/**
 * One cell's change of holder when several appointments move together (a series): taken (no holder
 * before), freed (none after), or handed from one appointment of the move to another — one item per
 * cell whatever the number of appointments involved, so a transaction never touches a cell twice.
 */
export interface CellOp {
  practitionerId: string;
  cell: string;
  before?: { appointmentId: string; ttl: number };
  after?: { appointmentId: string; ttl: number };
}

export function cellOpItem(centreId: string, op: CellOp): TransactItem {
  const Key = keys.occupiedCell(centreId, op.practitionerId, op.cell);
  if (!op.after)
    return {
      Delete: {
        TableName: tableName,
        Key,
        ConditionExpression: 'appointmentId = :before',
        ExpressionAttributeValues: { ':before': op.before!.appointmentId },
      },
    };
  const Item = { ...Key, entity: 'OccupiedCell', appointmentId: op.after.appointmentId, ttl: op.after.ttl };
  return op.before
    ? {
        Put: {
          TableName: tableName,
          Item,
          ConditionExpression: 'appointmentId = :before',
          ExpressionAttributeValues: { ':before': op.before.appointmentId },
        },
      }
    : { Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The same change undone. */
export const invertCellOp = (op: CellOp): CellOp => ({
  practitionerId: op.practitionerId,
  cell: op.cell,
  ...(op.after ? { before: op.after } : {}),
  ...(op.before ? { after: op.before } : {}),
});

type Timed = Pick<StoredAppointment, 'appointmentId' | 'practitionerId' | 'start' | 'end'>;

/**
 * The cell changes of appointments moving together, each tagged with the move it belongs to (the
 * new holder's, else the old holder's): cells taken, freed, or handed over inside the move.
 */
export function moveCellOps(moves: { from: Timed; to: Timed }[]): (CellOp & { move: number })[] {
  const id = (p: string, cell: string) => `${p}|${cell}`;
  const holders = (side: 'from' | 'to') => {
    const map = new Map<
      string,
      { move: number; appointmentId: string; ttl: number; practitionerId: string; cell: string }
    >();
    moves.forEach((m, move) => {
      const a = m[side];
      for (const cell of cellsOf(a.start, a.end))
        map.set(id(a.practitionerId, cell), {
          move,
          appointmentId: a.appointmentId,
          ttl: cellTtl(a.end),
          practitionerId: a.practitionerId,
          cell,
        });
    });
    return map;
  };
  const before = holders('from');
  const after = holders('to');
  const ops: (CellOp & { move: number })[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a)
      ops.push({
        practitionerId: b.practitionerId,
        cell: b.cell,
        before: { appointmentId: b.appointmentId, ttl: b.ttl },
        move: b.move,
      });
  }
  for (const [key, a] of after) {
    const b = before.get(key);
    if (b && b.appointmentId === a.appointmentId && b.ttl === a.ttl) continue;
    ops.push({
      practitionerId: a.practitionerId,
      cell: a.cell,
      ...(b ? { before: { appointmentId: b.appointmentId, ttl: b.ttl } } : {}),
      after: { appointmentId: a.appointmentId, ttl: a.ttl },
      move: a.move,
    });
  }
  return ops;
}

// --- Reading agendas ------------------------------------------------------------------------------

/** Every page of a bounded range (a day, a week, four weeks of one practitioner). */
async function queryAll(spec: Omit<QuerySpec, 'limit' | 'startKey'>, maxPages: number) {
  const items: Item[] = [];
  let startKey: Item | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await queryPage({ ...spec, limit: 1000, startKey });
    items.push(...out.items);
    startKey = out.lastKey;
    if (!startKey) break;
  }
  return items;
}

const byStart = (index: IndexName, partition: string, from: string, to: string, maxPages: number) =>
  queryAll(
    {
      index,
      partition: { name: `${index}pk`, value: partition },
      sort: { name: `${index}sk`, between: [from, `${to}~`] },
    },
    maxPages,
  );

/**
 * A practitioner's appointments starting in [from, to) (UTC ISO), cancelled ones included, in at most
 * `maxPages` Query pages of 1 MB (each caller's budget: a week is one page, four weeks two).
 */
export async function practitionerAppointments(
  centreId: string,
  practitionerId: string,
  from: string,
  to: string,
  maxPages = 2,
) {
  const partition = keys.practitionerAgendaIndex(centreId, practitionerId).gsi2pk;
  return (await byStart('gsi2', partition, from, to, maxPages)).map(appointmentFromItem).filter((a) => a.start < to);
}

/** One page of a centre's local day, across practitioners, by start. */
export const centreDayPage = (centreId: string, localDate: string, limit: number, startKey?: Item) =>
  queryIndex('gsi1', keys.centreDayIndex(centreId, localDate).gsi1pk, '', { limit, startKey });

/** One page of a patient's appointments: upcoming (from `now`, soonest first) or past (latest first). */
export function patientAppointmentsPage(
  centreId: string,
  patientId: string,
  when: 'upcoming' | 'past',
  now: string,
  limit: number,
  startKey?: Item,
) {
  const partition = keys.patientAppointmentsIndex(centreId, patientId).gsi3pk;
  // A later page of upcoming ones goes on from its cursor, whatever "now" has become since the first
  // page (DynamoDB refuses a start key outside the key condition).
  return queryPage({
    index: 'gsi3',
    partition: { name: 'gsi3pk', value: partition },
    ...(when === 'upcoming' && startKey
      ? {}
      : { sort: when === 'upcoming' ? { name: 'gsi3sk', after: now } : { name: 'gsi3sk', before: now } }),
    newestFirst: when === 'past',
    limit,
    startKey,
  });
}

/** A practitioner's sessions still open (booked or confirmed) that started before `before`. */
export function openSessionsPage(
  centreId: string,
  practitionerId: string,
  before: string,
  limit: number,
  startKey?: Item,
) {
  return queryPage({
    index: 'gsi4',
    partition: { name: 'gsi4pk', value: keys.openSessionsIndex(centreId, practitionerId).gsi4pk },
    sort: { name: 'gsi4sk', before },
    limit,
    startKey,
  });
}

/** A practitioner's open sessions starting in [from, to): a day to close. */
export async function openSessionsBetween(centreId: string, practitionerId: string, from: string, to: string) {
  const partition = keys.openSessionsIndex(centreId, practitionerId).gsi4pk;
  return (await byStart('gsi4', partition, from, to, 1)).map(appointmentFromItem).filter((a) => a.start < to);
}

// --- Events and absences ------------------------------------------------------------------------

export const centreEventFromItem = (item: Item) => stripKeys(item) as unknown as CentreEvent;

export function centreEventItem(centreId: string, e: CentreEvent): Item {
  const absentee = e.kind === 'leave' || e.kind === 'sick_leave' ? e.userIds[0] : undefined;
  return {
    ...keys.centreEvent(centreId, e.eventId),
    ...keys.centreEventsIndex(centreId, e.end, e.eventId),
    ...(absentee ? keys.absencesIndex(centreId, absentee, e.end, e.eventId) : {}),
    entity: 'CentreEvent',
    ...e,
  };
}

export async function findCentreEvent(centreId: string, eventId: string) {
  const item = await getItem(keys.centreEvent(centreId, eventId), true);
  return item ? centreEventFromItem(item) : undefined;
}

/** The centre's events still running after `from` that start before `to` (≤ 5 pages of 1 MB). */
export async function centreEventsBetween(centreId: string, from: string, to: string) {
  const items = await queryAll(
    {
      index: 'gsi1',
      partition: { name: 'gsi1pk', value: keys.centreEventsIndex(centreId).gsi1pk },
      sort: { name: 'gsi1sk', after: from },
    },
    5,
  );
  return items.map(centreEventFromItem).filter((e) => e.start < to);
}

/** A practitioner's absences (leave, sick leave) overlapping [from, to): those ending after `from`, one page. */
export async function absencesBetween(centreId: string, practitionerId: string, from: string, to: string) {
  const items = await queryAll(
    {
      index: 'gsi2',
      partition: { name: 'gsi2pk', value: keys.absencesIndex(centreId, practitionerId).gsi2pk },
      sort: { name: 'gsi2sk', after: from },
    },
    1,
  );
  return items.map(centreEventFromItem).filter((e) => e.start < to);
}

// --- Settings and types -------------------------------------------------------------------------

export type StoredHours = Omit<Hours, 'source' | 'practitionerId'>;

export const hoursLookup = (centreId: string, practitionerId: string): Lookup<StoredHours | undefined> => ({
  key: keys.practitionerHours(centreId, practitionerId),
  read: (item) => (item ? ({ hours: item.hours, slotMinutes: item.slotMinutes } as StoredHours) : undefined),
});

export const hoursItem = (centreId: string, practitionerId: string, hours: StoredHours): Item => ({
  ...keys.practitionerHours(centreId, practitionerId),
  entity: 'PractitionerHours',
  practitionerId,
  ...hours,
});

export const onlineBookingLookup = (centreId: string): Lookup<OnlineBooking | undefined> => ({
  key: keys.onlineBooking(centreId),
  read: (item) => (item ? (stripKeys(item) as unknown as OnlineBooking) : undefined),
});

export const appointmentTypeFromItem = (item: Item) => stripKeys(item) as unknown as AppointmentType;
export const appointmentTypeLookup = (centreId: string, typeId: string): Lookup<AppointmentType | undefined> => ({
  key: keys.appointmentType(centreId, typeId),
  read: (item) => (item ? appointmentTypeFromItem(item) : undefined),
});
export const appointmentTypesPage = (centreId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.appointmentTypePrefix(centreId), { limit, startKey });

// --- Care episodes ------------------------------------------------------------------------------

export type StoredEpisode = Omit<CareEpisode, 'quotas' | 'usedPercent'> & {
  centreId: string;
  granted: Record<string, number>;
  used: Record<string, number>;
  planned: Record<string, number>;
  /** granted − used − planned per kind: the booking transaction's condition reads it. */
  available: Record<string, number>;
};

export const episodeItem = (e: StoredEpisode): Item => ({
  ...keys.careEpisode(e.centreId, e.patientId, e.episodeId),
  entity: 'CareEpisode',
  ...e,
});
export const episodeFromItem = (item: Item) => stripKeys(item) as unknown as StoredEpisode;
export const episodeLookup = (
  centreId: string,
  patientId: string,
  episodeId: string,
): Lookup<StoredEpisode | undefined> => ({
  key: keys.careEpisode(centreId, patientId, episodeId),
  read: (item) => (item ? episodeFromItem(item) : undefined),
});
export const episodesPage = (centreId: string, patientId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.careEpisodePrefix(centreId, patientId), { limit, startKey, newestFirst: true });

/**
 * Plans `units` sessions of a kind on an episode: the quota condition is DynamoDB's (available ≥
 * units), unless the booking was explicitly overridden; `units` negative gives them back.
 */
export function episodePlan(e: StoredEpisode, kind: string, units: number, enforceQuota: boolean): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.careEpisode(e.centreId, e.patientId, e.episodeId),
      UpdateExpression: 'SET planned.#k = planned.#k + :u, available.#k = available.#k - :u, version = version + :one',
      ConditionExpression: enforceQuota ? 'available.#k >= :u' : 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#k': kind },
      ExpressionAttributeValues: { ':u': units, ':one': 1 },
    },
  };
}

/** A cancelled session gives its planned units back to the episode. */
export const episodeGiveBack = (
  e: Pick<StoredEpisode, 'centreId' | 'patientId' | 'episodeId'>,
  kind: string,
  units: number,
): TransactItem => episodeClose(e, {}, { [kind]: units });

/** Done sessions move from planned to used; a no-show gives its planned units back. */
export function episodeClose(
  e: Pick<StoredEpisode, 'centreId' | 'patientId' | 'episodeId'>,
  done: Record<string, number>,
  noShow: Record<string, number>,
  alert?: { at: string; usedPercent: number },
): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':one': 1 };
  const sets = ['version = version + :one'];
  const kinds = [...new Set([...Object.keys(done), ...Object.keys(noShow)])];
  kinds.forEach((kind, i) => {
    names[`#k${i}`] = kind;
    const d = done[kind] ?? 0;
    const n = noShow[kind] ?? 0;
    values[`:d${i}`] = d;
    values[`:p${i}`] = d + n;
    values[`:n${i}`] = n;
    sets.push(
      `used.#k${i} = used.#k${i} + :d${i}`,
      `planned.#k${i} = planned.#k${i} - :p${i}`,
      `available.#k${i} = available.#k${i} + :n${i}`,
    );
  });
  if (alert) {
    names['#alert'] = 'alert';
    values[':alert'] = alert;
    sets.push('#alert = if_not_exists(#alert, :alert)');
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.careEpisode(e.centreId, e.patientId, e.episodeId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

// --- Calendar links -----------------------------------------------------------------------------

export type StoredCalendarLink = CalendarLink & { centreId: string; tokenHash: string };
export const calendarLinkFromItem = (item: Item) => stripKeys(item) as unknown as StoredCalendarLink;

export async function findCalendarLinkByToken(tokenHash: string) {
  const item = await getItem(keys.calendarLink(tokenHash));
  return item ? calendarLinkFromItem(item) : undefined;
}

export const calendarLinksPage = (centreId: string, ownerId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.calendarLinksOfOwnerPrefix(centreId, ownerId), { limit, startKey, newestFirst: true });
