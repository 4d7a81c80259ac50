import { DateTime } from 'luxon';
import type { Centre } from '#contexts/centres';
import { ruleViolation, validationError } from '#shared/errors';
import type { StoredEpisode, StoredHours } from './repository';
import { GRID_MINUTES, type Hours } from './schemas';
import { atLocal, localDateOf, localStartOf, weekdayOf } from './time';

/** The rules of the agenda that need no database: hours, overlaps, locations, care episodes. */

export const DEFAULT_SLOT_MINUTES = 15;

/** The practitioner's own weekly hours if set, else the centre's (all its locations). */
export function hoursInForce(centre: Pick<Centre, 'openingHours'>, own: StoredHours | undefined) {
  if (own) return { hours: own.hours, slotMinutes: own.slotMinutes, source: 'practitioner' as const };
  return {
    hours: centre.openingHours.map(({ day, opens, closes }) => ({ day, opens, closes })),
    slotMinutes: DEFAULT_SLOT_MINUTES,
    source: 'centre' as const,
  };
}

/**
 * Whether [start, end) lies inside one opening interval of its local weekday (at the location when
 * both say one). No hours at all (neither the practitioner's nor the centre's): no restriction yet.
 */
export function withinHours(start: DateTime, end: DateTime, hours: Hours['hours'], locationId?: string) {
  if (hours.length === 0) return true;
  if (localDateOf(start) !== localDateOf(end.minus({ milliseconds: 1 }))) return false;
  const from = start.toFormat('HH:mm');
  const to = localDateOf(end) === localDateOf(start) ? end.toFormat('HH:mm') : '24:00';
  return hours.some(
    (h) =>
      h.day === weekdayOf(start) &&
      (h.locationId === undefined || locationId === undefined || h.locationId === locationId) &&
      h.opens <= from &&
      to <= h.closes,
  );
}

export const overlaps = (a: { start: string; end: string }, b: { start: string; end: string }) =>
  a.start < b.end && b.start < a.end;

/** A location named by a request must be one of the centre's (422 naming the field otherwise). */
export function assertLocations(centre: Pick<Centre, 'locations'>, fields: Record<string, string | undefined>) {
  const known = new Set(centre.locations.map((l) => l.locationId));
  const unknown = Object.entries(fields).filter(([, id]) => id !== undefined && !known.has(id));
  if (unknown.length)
    throw ruleViolation('unknown_location', 'Not a location of this centre', {
      fields: unknown.map(([field]) => ({ field, message: 'not a location of this centre' })),
    });
}

/** Why a care episode cannot cover a session of this kind on this local date, if it cannot. */
export function episodeRefusal(
  episode: Pick<StoredEpisode, 'granted' | 'prescriptionDate' | 'expiresOn'>,
  kind: string | undefined,
  localDate: string,
): { code: string; message: string } | undefined {
  if (kind === undefined || episode.granted[kind] === undefined)
    return { code: 'not_in_episode', message: 'The care episode grants no session of this appointment type' };
  if (localDate < episode.prescriptionDate)
    return { code: 'episode_not_started', message: 'The session is before the prescription date' };
  if (localDate > episode.expiresOn) return { code: 'episode_expired', message: 'The care episode has expired' };
  return undefined;
}

/** Percentage of the granted sessions used (done), all kinds together. */
export function usedPercent(episode: Pick<StoredEpisode, 'granted' | 'used'>) {
  const granted = Object.values(episode.granted).reduce((a, b) => a + b, 0);
  const used = Object.values(episode.used).reduce((a, b) => a + b, 0);
  return granted === 0 ? 0 : Math.round((used / granted) * 1000) / 10;
}

export const QUOTA_ALERT_PERCENT = 80;

export const tooManyOccurrences = (max: number) =>
  validationError(`A series has at most ${max} occurrences`, [
    { field: 'body.recurrence', message: `at most ${max} occurrences` },
  ]);

export interface FreeSlot {
  start: string;
  end: string;
  localStart: string;
  locationId?: string;
}

const MINUTE = 60_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * The free slots of a practitioner: on each local day (public holidays skipped), in each opening
 * interval of its weekday, every `slotMinutes` from the opening on the wall clock, a slot of
 * `durationMinutes` that ends by the closing, starts after `now` and overlaps nothing busy. Time
 * zones are consulted twice per interval (its opening and closing instants); inside an interval
 * the grid steps in milliseconds, which is the wall clock unless the clocks change inside it (an
 * interval across 02:00–03:00 on a DST night), where it steps on the wall clock with luxon.
 */
export function freeSlotsOf(input: {
  from: string;
  days: number;
  zone: string;
  hours: Hours['hours'];
  slotMinutes: number;
  durationMinutes: number;
  busy: { start: string; end: string }[];
  now: number;
  isHoliday: (localDate: string) => boolean;
}): FreeSlot[] {
  const busy = input.busy.map((b) => [Date.parse(b.start), Date.parse(b.end)] as const);
  const free = (start: number, end: number) => {
    for (const [from, to] of busy) if (from < end && start < to) return false;
    return true;
  };
  const found: (FreeSlot & { at: number })[] = [];
  const step = input.slotMinutes * MINUTE;
  const length = input.durationMinutes * MINUTE;
  let day = DateTime.fromISO(input.from, { zone: input.zone });
  for (let d = 0; d < input.days; d++, day = day.plus({ days: 1 })) {
    const date = localDateOf(day);
    if (input.isHoliday(date)) continue;
    const weekday = weekdayOf(day);
    for (const hours of input.hours) {
      if (hours.day !== weekday) continue;
      // The centre's hours may be at any minute; slots start on the booking grid.
      const h = { ...hours, opens: hhmm(Math.ceil(minutesOf(hours.opens) / GRID_MINUTES) * GRID_MINUTES) };
      if (h.opens >= h.closes) continue;
      const opens = atLocal(date, h.opens, input.zone);
      const closes = atLocal(date, h.closes, input.zone);
      if (!opens || !closes) continue;
      const [o, c] = [opens.toMillis(), closes.toMillis()];
      const location = h.locationId ? { locationId: h.locationId } : {};
      const add = (start: number, localStart: string) => {
        if (start > input.now && free(start, start + length))
          found.push({
            at: start,
            start: new Date(start).toISOString(),
            end: new Date(start + length).toISOString(),
            localStart,
            ...location,
          });
      };
      if (c - o === (minutesOf(h.closes) - minutesOf(h.opens)) * MINUTE) {
        for (let k = 0, start = o; start + length <= c; k++, start += step)
          add(start, `${date}T${hhmm(minutesOf(h.opens) + k * input.slotMinutes)}`);
      } else {
        for (
          let s = opens;
          s.plus({ minutes: input.durationMinutes }) <= closes;
          s = s.plus({ minutes: input.slotMinutes })
        )
          add(s.toMillis(), localStartOf(s));
      }
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ at, ...slot }) => slot);
}
