import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type CalendarEntry, renderCalendar } from '#functions/agenda/ical';

/**
 * The feed is parsed back with an independent parser (ical.js): its VTIMEZONE, not our code, turns
 * DTSTART's wall-clock time into an instant, so a wrong zone, TZID or wall-clock time shows up as a
 * wrong UTC instant.
 */

const ZONE = 'Europe/Brussels';

function entry(uid: string, start: string, end: string, overrides: Partial<CalendarEntry> = {}): CalendarEntry {
  return {
    uid,
    start,
    end,
    summary: 'Bilan logopédique — E. Lambert',
    status: 'confirmed',
    sequence: 0,
    stamp: '2026-03-01T10:15:00.000Z',
    ...overrides,
  };
}

/** 09:00–09:45 local on both sides of each 2026 DST change (29 March, 25 October). */
const acrossDst = [
  entry('before-spring', '2026-03-27T08:00:00.000Z', '2026-03-27T08:45:00.000Z'), // Fri, CET (+1)
  entry('spring-day', '2026-03-29T07:00:00.000Z', '2026-03-29T07:45:00.000Z', { sequence: 1 }), // Sun, CEST (+2)
  entry('after-spring', '2026-03-30T07:00:00.000Z', '2026-03-30T07:45:00.000Z', { status: 'tentative' }), // Mon
  entry('before-autumn', '2026-10-23T07:00:00.000Z', '2026-10-23T07:45:00.000Z'), // Fri, CEST (+2)
  entry('after-autumn', '2026-10-26T08:00:00.000Z', '2026-10-26T08:45:00.000Z', {
    status: 'cancelled',
    sequence: 3,
    stamp: '2026-10-20T16:30:00.000Z',
  }), // Mon, CET (+1)
];

afterEach(() => ICAL.TimezoneService.reset());

/** Parses the feed and registers its VTIMEZONEs, so DTSTART/DTEND resolve to instants. */
function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
  const events = new Map(
    calendar.getAllSubcomponents('vevent').map((vevent) => [String(vevent.getFirstPropertyValue('uid')), vevent]),
  );
  return { calendar, events };
}

function time(component: ICAL.Component, property: string): ICAL.Time {
  const value = component.getFirstPropertyValue(property);
  if (!(value instanceof ICAL.Time)) throw new Error(`${property} is not a date-time`);
  return value;
}

function event(events: Map<string, ICAL.Component>, uid: string): ICAL.Component {
  const found = events.get(`${uid}@centrum`);
  if (!found) throw new Error(`no event ${uid}@centrum`);
  return found;
}

describe('renderCalendar', () => {
  it('writes the calendar properties and one VTIMEZONE for the centre’s zone', () => {
    const { calendar } = parse(renderCalendar({ name: 'Agenda — Centre Horta', timeZone: ZONE, entries: acrossDst }));

    expect(calendar.name).toBe('vcalendar');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getFirstPropertyValue('prodid')).toBe('-//Centrum//Agenda//FR');
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Agenda — Centre Horta');
    expect(calendar.getFirstPropertyValue('x-wr-timezone')).toBe(ZONE);
    const vtimezones = calendar.getAllSubcomponents('vtimezone');
    expect(vtimezones).toHaveLength(1);
    expect(vtimezones[0]?.getFirstPropertyValue('tzid')).toBe(ZONE);
  });

  it('writes each event’s UID, SEQUENCE, STATUS and DTSTAMP; cancelled events stay in the feed', () => {
    const { events } = parse(renderCalendar({ name: 'Agenda', timeZone: ZONE, entries: acrossDst }));

    expect([...events.keys()]).toEqual(acrossDst.map((e) => `${e.uid}@centrum`));
    for (const expected of acrossDst) {
      const vevent = event(events, expected.uid);
      expect(vevent.getFirstPropertyValue('sequence')).toBe(expected.sequence);
      expect(vevent.getFirstPropertyValue('status')).toBe(expected.status.toUpperCase());
      const stamp = time(vevent, 'dtstamp');
      expect(stamp.zone?.tzid).toBe('UTC'); // DTSTAMP must be UTC (RFC 5545 §3.8.7.2)
      expect(stamp.toJSDate().toISOString()).toBe(expected.stamp);
      expect(time(vevent, 'last-modified').toJSDate().toISOString()).toBe(expected.stamp);
    }
    expect(event(events, 'after-autumn').getFirstPropertyValue('status')).toBe('CANCELLED');
  });

  it('writes DTSTART/DTEND as wall-clock times in the centre’s zone, 09:00 local across both DST changes', () => {
    const text = renderCalendar({ name: 'Agenda', timeZone: ZONE, entries: acrossDst });
    const { events } = parse(text);

    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20260327T090000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20260330T090000\r\n');
    for (const expected of acrossDst) {
      const vevent = event(events, expected.uid);
      expect(vevent.getFirstProperty('dtstart')?.getParameter('tzid')).toBe(ZONE);
      expect(vevent.getFirstProperty('dtend')?.getParameter('tzid')).toBe(ZONE);
      const start = time(vevent, 'dtstart');
      const end = time(vevent, 'dtend');
      expect(start.zone?.tzid).toBe(ZONE);
      expect([start.hour, start.minute, end.hour, end.minute]).toEqual([9, 0, 9, 45]);
      expect(start.toUnixTime()).toBe(Date.parse(expected.start) / 1000);
      expect(start.toJSDate().toISOString()).toBe(expected.start);
      expect(end.toJSDate().toISOString()).toBe(expected.end);
    }
    // The same 09:00 is 08:00Z in winter and 07:00Z in summer.
    expect(time(event(events, 'before-spring'), 'dtstart').convertToZone(ICAL.Timezone.utcTimezone).hour).toBe(8);
    expect(time(event(events, 'after-spring'), 'dtstart').convertToZone(ICAL.Timezone.utcTimezone).hour).toBe(7);
    expect(time(event(events, 'before-autumn'), 'dtstart').convertToZone(ICAL.Timezone.utcTimezone).hour).toBe(7);
    expect(time(event(events, 'after-autumn'), 'dtstart').convertToZone(ICAL.Timezone.utcTimezone).hour).toBe(8);
  });

  it('round-trips text with commas, semicolons, backslashes, newlines, accents and emoji, folded at 75 octets', () => {
    const summary = 'Séance 3; suivi, rééducation — Zoë Ağaoğlu 😀🦷\\fin';
    const description = 'Ligne 1: déglutition, mastication;\nLigne 2 — «😀» '.repeat(4);
    const location = 'Cabinet 2, 1er étage; Rue Émile Féron 12\n1060 Saint-Gilles';
    const url = 'https://visio.example.org/r/abc-123?code=XyZ&lang=fr';
    const text = renderCalendar({
      name: 'Agenda; logopédie, Saint-Gilles\nbis',
      timeZone: ZONE,
      entries: [
        entry('text', '2026-05-04T07:00:00.000Z', '2026-05-04T08:00:00.000Z', { summary, description, location, url }),
      ],
    });
    const { calendar, events } = parse(text);
    const vevent = event(events, 'text');

    // Escaped as TEXT (the default type of an X- property); ical.js leaves X- values undecoded.
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Agenda\\; logopédie\\, Saint-Gilles\\nbis');
    expect(vevent.getFirstPropertyValue('summary')).toBe(summary);
    expect(vevent.getFirstPropertyValue('description')).toBe(description);
    expect(vevent.getFirstPropertyValue('location')).toBe(location);
    expect(vevent.getFirstPropertyValue('url')).toBe(url);

    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n');
    expect(lines.filter((line) => /[\r\n]/.test(line))).toEqual([]); // no bare CR or LF
    expect(lines.filter((line) => Buffer.byteLength(line, 'utf8') > 75)).toEqual([]);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true); // long lines were folded
  });

  it('percent-encodes the characters a URI value cannot carry escaped', () => {
    const text = renderCalendar({
      name: 'Agenda',
      timeZone: ZONE,
      entries: [
        entry('u', '2026-05-04T07:00:00.000Z', '2026-05-04T08:00:00.000Z', { url: 'https://v.example/r?a=1,2;b' }),
      ],
    });

    expect(event(parse(text).events, 'u').getFirstPropertyValue('url')).toBe('https://v.example/r?a=1%2C2%3Bb');
  });

  it('renders an empty agenda as a valid calendar, with no VTIMEZONE since nothing refers to one', () => {
    const text = renderCalendar({ name: 'Agenda', timeZone: ZONE, entries: [], prodId: '-//Centrum//Test//EN' });
    const { calendar, events } = parse(text);

    expect(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(calendar.getFirstPropertyValue('prodid')).toBe('-//Centrum//Test//EN');
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(calendar.getFirstPropertyValue('x-wr-timezone')).toBe(ZONE);
    expect(events.size).toBe(0);
    expect(calendar.getAllSubcomponents('vtimezone')).toEqual([]);
  });

  it('refuses a zone it has no VTIMEZONE for rather than write an undefined TZID', () => {
    expect(() =>
      renderCalendar({
        name: 'Agenda',
        timeZone: 'Europe/Atlantis',
        entries: [entry('x', '2026-05-04T07:00:00.000Z', '2026-05-04T08:00:00.000Z')],
      }),
    ).toThrow('No VTIMEZONE for time zone "Europe/Atlantis"');
  });
});
