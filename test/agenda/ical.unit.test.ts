import ICAL from 'ical.js';
import { DateTime } from 'luxon';
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

/** Every entry's DTSTART and DTEND, resolved by ical.js through the feed's VTIMEZONE, are its instants. */
function expectInstants(text: string, entries: CalendarEntry[]) {
  const { events } = parse(text);
  const resolved = entries.map((e) => {
    const vevent = event(events, e.uid);
    return [e.uid, time(vevent, 'dtstart').toJSDate().toISOString(), time(vevent, 'dtend').toJSDate().toISOString()];
  });
  expect(resolved).toEqual(entries.map((e) => [e.uid, e.start, e.end]));
}

/** The VTIMEZONE's observances as `KIND DTSTART TZOFFSETFROM>TZOFFSETTO TZNAME`. */
function observances(text: string): string[] {
  const vtimezone = parse(text).calendar.getFirstSubcomponent('vtimezone');
  return (vtimezone?.getAllSubcomponents() ?? []).map((o) => {
    const [start, from, to, name] = ['dtstart', 'tzoffsetfrom', 'tzoffsetto', 'tzname'].map((p) =>
      String(o.getFirstPropertyValue(p)),
    );
    return `${o.name.toUpperCase()} ${start} ${from}>${to} ${name}`;
  });
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
    expect(() => renderCalendar({ name: 'Agenda', timeZone: 'Europe/Atlantis', entries: [] })).toThrow(
      'No VTIMEZONE for time zone "Europe/Atlantis"',
    );
  });

  it('writes one observance per offset change, from a year before the first entry to a year after the last', () => {
    const text = renderCalendar({ name: 'Agenda', timeZone: ZONE, entries: acrossDst });

    expect(observances(text)).toEqual([
      'STANDARD 2025-01-01T01:00:00 +01:00>+01:00 CET', // the offset at the start of the span
      'DAYLIGHT 2025-03-30T02:00:00 +01:00>+02:00 CEST',
      'STANDARD 2025-10-26T03:00:00 +02:00>+01:00 CET',
      'DAYLIGHT 2026-03-29T02:00:00 +01:00>+02:00 CEST',
      'STANDARD 2026-10-25T03:00:00 +02:00>+01:00 CET',
      'DAYLIGHT 2027-03-28T02:00:00 +01:00>+02:00 CEST',
      'STANDARD 2027-10-31T03:00:00 +02:00>+01:00 CET',
    ]);
    expect(text).not.toContain('RRULE');
  });

  it('resolves Brussels times just before and just after both 2026 changes, at 02:00 and 03:00 local', () => {
    const entries = [
      entry('spring-before', '2026-03-29T00:30:00.000Z', '2026-03-29T00:59:00.000Z'), // 01:30–01:59 CET
      entry('spring-across', '2026-03-29T00:45:00.000Z', '2026-03-29T01:15:00.000Z'), // 01:45 CET – 03:15 CEST
      entry('spring-after', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'), // 03:00–03:30 CEST
      entry('autumn-before', '2026-10-24T23:30:00.000Z', '2026-10-24T23:59:00.000Z'), // 01:30–01:59 CEST
      entry('autumn-after', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z'), // 03:00–03:30 CET
    ];
    const text = renderCalendar({ name: 'Agenda', timeZone: ZONE, entries });

    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20260329T013000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20260329T030000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20261025T013000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20261025T030000\r\n');
    expectInstants(text, entries);
  });

  it('covers every year the entries span: 2026 and 2027 resolve alike', () => {
    const entries = [
      entry('2026-summer', '2026-05-04T07:00:00.000Z', '2026-05-04T08:00:00.000Z'), // 09:00 CEST
      entry('2027-spring-day', '2027-03-28T07:00:00.000Z', '2027-03-28T08:00:00.000Z'), // 09:00 CEST
      entry('2027-winter-eve', '2027-03-27T08:00:00.000Z', '2027-03-27T09:00:00.000Z'), // 09:00 CET
      entry('2027-autumn', '2027-11-02T08:00:00.000Z', '2027-11-02T09:00:00.000Z'), // 09:00 CET
      entry('2027-december', '2027-12-31T22:30:00.000Z', '2027-12-31T23:30:00.000Z'), // 23:30–00:30 CET
    ];
    const text = renderCalendar({ name: 'Agenda', timeZone: ZONE, entries });

    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20271231T233000\r\n');
    expect(text).toContain('DTEND;TZID=Europe/Brussels:20280101T003000\r\n');
    expect(observances(text)).toContain('DAYLIGHT 2028-03-26T02:00:00 +01:00>+02:00 CEST'); // a year after
    expectInstants(text, entries);
  });

  it('defines Europe/Kyiv', () => {
    const entries = [
      entry('winter', '2026-01-15T07:00:00.000Z', '2026-01-15T07:45:00.000Z'), // 09:00 EET (+2)
      entry('summer', '2026-07-01T06:00:00.000Z', '2026-07-01T06:45:00.000Z'), // 09:00 EEST (+3)
    ];
    const text = renderCalendar({ name: 'Agenda', timeZone: 'Europe/Kyiv', entries });

    expect(text).toContain('TZID:Europe/Kyiv\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Kyiv:20260115T090000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Kyiv:20260701T090000\r\n');
    expect(observances(text)).toContain('DAYLIGHT 2026-03-29T03:00:00 +02:00>+03:00 EEST');
    expectInstants(text, entries);
  });

  it('gives a zone without changes (Asia/Tokyo) a single STANDARD observance', () => {
    const entries = [
      entry('tokyo-1', '2026-03-29T00:00:00.000Z', '2026-03-29T00:45:00.000Z'), // 09:00 JST
      entry('tokyo-2', '2027-10-31T00:00:00.000Z', '2027-10-31T00:45:00.000Z'),
    ];
    const text = renderCalendar({ name: 'Agenda', timeZone: 'Asia/Tokyo', entries });

    expect(observances(text)).toEqual(['STANDARD 2025-01-01T09:00:00 +09:00>+09:00 GMT+9']);
    expect(text).toContain('DTSTART;TZID=Asia/Tokyo:20260329T090000\r\n');
    expectInstants(text, entries);
  });

  it('follows zones whose changes no yearly rule describes: Casablanca (Ramadan), Jerusalem, Lord Howe, …', () => {
    // Morocco is at +01 but at +00 during Ramadan (15 February – 22 March 2026).
    const casablanca = [
      entry('before-ramadan', '2026-02-10T08:00:00.000Z', '2026-02-10T09:00:00.000Z'), // 09:00 +01
      entry('ramadan', '2026-03-02T09:00:00.000Z', '2026-03-02T10:00:00.000Z'), // 09:00 +00
      entry('after-ramadan', '2026-04-01T08:00:00.000Z', '2026-04-01T09:00:00.000Z'), // 09:00 +01
    ];
    expectInstants(renderCalendar({ name: 'Agenda', timeZone: 'Africa/Casablanca', entries: casablanca }), casablanca);

    // 09:00 local on the 1st and 15th of each month of 2026 and 2027, and on each day around a change.
    for (const zone of ['Asia/Jerusalem', 'Australia/Lord_Howe', 'America/Santiago', 'America/St_Johns']) {
      const days = [];
      for (let day = DateTime.fromISO('2026-01-01', { zone }); day.year < 2028; day = day.plus({ days: 1 })) {
        const change = day.offset !== day.plus({ days: 1 }).offset || day.offset !== day.minus({ days: 1 }).offset;
        if (day.day === 1 || day.day === 15 || change) days.push(day.set({ hour: 9 }));
      }
      const entries = days.map((start) =>
        entry(start.toISODate() ?? '', start.toUTC().toISO() ?? '', start.plus({ hours: 1 }).toUTC().toISO() ?? ''),
      );
      expectInstants(renderCalendar({ name: 'Agenda', timeZone: zone, entries }), entries);
    }
  });
});
