import { DateTime } from 'luxon';
import { validationError } from '#shared/errors';
import { GRID_MINUTES } from './schemas';

/**
 * Time rules of the agenda, with luxon: instants are stored in UTC, rules (opening hours, days,
 * series, the slot grid) are read on the wall clock of the centre's zone, so a weekly series at
 * 09:00 stays at 09:00 across DST changes.
 */
const HAS_OFFSET = /(Z|[+-]\d\d:?\d\d)$/i;

/** UTC ISO with milliseconds: the one format instants are stored and sorted in. */
export const iso = (t: DateTime) => t.toUTC().toISO()!;

/**
 * The instant a request means: with an offset as sent, without one on the centre's wall clock.
 * A wall-clock time that does not exist that day (the hour skipped in spring) is refused; one that
 * occurs twice (the hour repeated in autumn) is its first occurrence.
 */
export function instantOf(input: string, zone: string, field: string): DateTime {
  if (HAS_OFFSET.test(input)) return DateTime.fromISO(input, { setZone: true }).setZone(zone);
  const local = DateTime.fromISO(input, { zone });
  const wall = DateTime.fromISO(input, { zone: 'utc' });
  if (local.hour !== wall.hour || local.minute !== wall.minute)
    throw validationError(`${input} does not exist in ${zone} (clocks go forward)`, [
      { field, message: 'this local time does not exist that day' },
    ]);
  // A wall-clock time the clocks repeat (autumn) means its first occurrence, as in RFC 5545.
  const earlier = local.minus({ hours: 1 });
  return earlier.toFormat("yyyy-MM-dd'T'HH:mm") === local.toFormat("yyyy-MM-dd'T'HH:mm") ? earlier : local;
}

/** Refuses instants off the 5-minute grid (seconds included). */
export function assertOnGrid(t: DateTime, field: string) {
  if (t.second !== 0 || t.millisecond !== 0 || t.toUTC().minute % GRID_MINUTES !== 0)
    throw validationError(`Times are on the ${GRID_MINUTES}-minute grid`, [
      { field, message: `must be on the ${GRID_MINUTES}-minute grid (e.g. 09:00, 09:05)` },
    ]);
}

/** The UTC starts of the 5-minute cells [start, end) covers. */
export function cellsOf(start: string, end: string): string[] {
  const cells: string[] = [];
  const last = Date.parse(end);
  for (let t = Date.parse(start); t < last; t += GRID_MINUTES * 60_000) cells.push(new Date(t).toISOString());
  return cells;
}

/** A local day's bounds as UTC instants: [start of day, start of next day) in the zone. */
export function dayBounds(localDate: string, zone: string, days = 1) {
  const start = DateTime.fromISO(localDate, { zone }).startOf('day');
  return { start: iso(start), end: iso(start.plus({ days })) };
}

export const localDateOf = (t: DateTime) => t.toFormat('yyyy-MM-dd');
export const localStartOf = (t: DateTime) => t.toFormat("yyyy-MM-dd'T'HH:mm");

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const weekdayOf = (t: DateTime) => weekdays[t.weekday - 1]!;

/** A wall-clock time HH:MM on a local date, or undefined when it does not exist (DST gap). */
export function atLocal(localDate: string, time: string, zone: string): DateTime | undefined {
  const text = `${localDate}T${time}`;
  const t = DateTime.fromISO(text, { zone });
  return t.toFormat("yyyy-MM-dd'T'HH:mm") === text ? t : undefined;
}
