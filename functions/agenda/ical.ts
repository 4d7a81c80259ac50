import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { escape, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';

/** One appointment of the feed. */
export interface CalendarEntry {
  /** Stable id (the appointment id), rendered as UID `${uid}@centrum`. */
  uid: string;
  /** UTC ISO instant, e.g. 2026-03-29T07:00:00.000Z. */
  start: string;
  /** UTC ISO instant. */
  end: string;
  /** e.g. "Bilan logopédique — E. Lambert". */
  summary: string;
  description?: string;
  location?: string;
  /** e.g. a tele-practice video link. */
  url?: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  /** Raised on every change (RFC 5545 SEQUENCE). */
  sequence: number;
  /** UTC ISO instant of the last change: DTSTAMP and LAST-MODIFIED. */
  stamp: string;
}

export interface CalendarDocument {
  /** Feed name (NAME, X-WR-CALNAME). */
  name: string;
  /** The centre's IANA time zone, e.g. Europe/Brussels. */
  timeZone: string;
  entries: CalendarEntry[];
  /** Whole PRODID value; default `-//Centrum//Agenda//FR`. */
  prodId?: string;
}

const STATUS: Readonly<Record<CalendarEntry['status'], ICalEventStatus>> = {
  confirmed: ICalEventStatus.CONFIRMED,
  tentative: ICalEventStatus.TENTATIVE,
  cancelled: ICalEventStatus.CANCELLED,
};

/** The zone's VTIMEZONE; throws rather than emit a TZID no VTIMEZONE defines. */
function vtimezone(zone: string): string {
  const component = getVtimezoneComponent(zone);
  if (!component) throw new Error(`No VTIMEZONE for time zone "${zone}"`);
  return component;
}

/**
 * Renders an agenda as an RFC 5545 iCalendar document (METHOD:PUBLISH, CRLF line endings, lines
 * folded at 75 octets by ical-generator).
 *
 * Every VEVENT carries UID `${uid}@centrum`, SEQUENCE, STATUS (cancelled entries stay in the feed as
 * STATUS:CANCELLED), DTSTAMP and LAST-MODIFIED in UTC from `stamp`, and DTSTART/DTEND as wall-clock
 * times with `TZID=<doc.timeZone>`, defined by a VTIMEZONE (from @touch4it/ical-timezones), so
 * clients show local times across DST changes. An empty agenda has no VTIMEZONE (no TZID refers to
 * one); X-WR-TIMEZONE still names the zone.
 *
 * ical-generator pitfalls avoided here:
 * - only the events get the time zone, not the calendar: with a calendar time zone it writes
 *   DTSTAMP and LAST-MODIFIED without the `Z` (floating times, invalid for DTSTAMP);
 * - start and end are passed as Luxon DateTimes: it formats a string or Date in the *process's*
 *   time zone (UTC on Lambda), not in the event's;
 * - `;`, `,` and `\` in URLs are percent-encoded: it escapes URIs like TEXT (`\,`), corrupting them;
 * - the calendar name is escaped (it writes it raw) and the final CRLF added (it leaves it out).
 *
 * Deployment: @touch4it/ical-timezones reads `zones/<zone>.ics` next to its own file at run time
 * (`__dirname`, `fs.readFileSync`), so it must stay a real package in the Lambda asset (not
 * bundled): inside the single-file ESM bundle it throws `ReferenceError: __dirname is not defined`.
 *
 * @throws if `doc.timeZone` has no VTIMEZONE (unknown zone) or a date is not a valid ISO instant.
 */
export function renderCalendar(doc: CalendarDocument): string {
  const calendar = ical({
    prodId: (doc.prodId ?? '-//Centrum//Agenda//FR').replace(/^-/, ''),
    method: ICalCalendarMethod.PUBLISH,
    // ical-generator writes NAME and X-WR-CALNAME unescaped.
    name: escape(doc.name, false),
    timezone: { name: null, generator: vtimezone },
  });
  calendar.x('X-WR-TIMEZONE', doc.timeZone);
  const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
  for (const entry of doc.entries) {
    calendar.createEvent({
      id: `${entry.uid}@centrum`,
      timezone: doc.timeZone,
      start: utc(entry.start),
      end: utc(entry.end),
      stamp: entry.stamp,
      lastModified: entry.stamp,
      sequence: entry.sequence,
      status: STATUS[entry.status],
      summary: entry.summary,
      description: entry.description ?? null,
      location: entry.location ?? null,
      url: entry.url?.replace(/[;,\\]/g, encodeURIComponent) ?? null,
    });
  }
  // ical-generator ends the last line without the CRLF every content line needs.
  return `${calendar.toString()}\r\n`;
}
