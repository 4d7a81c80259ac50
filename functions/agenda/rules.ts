import type { DateTime } from 'luxon';
import type { Centre } from '#contexts/centres';
import { ruleViolation, validationError } from '#shared/errors';
import type { StoredEpisode, StoredHours } from './repository';
import type { Hours } from './schemas';
import { localDateOf, weekdayOf } from './time';

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
