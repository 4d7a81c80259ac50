import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dueAtOf, type PlannedReminder, remindersFor } from '#functions/reminders/planning';
import { DEFAULT_PATIENT_TIMING, DEFAULT_RULES, MAX_REMINDERS_PER_APPOINTMENT } from '#functions/reminders/defaults';
import type { Channel, ReminderPreferences, ReminderRules, Rule, Timing } from '#functions/reminders/schemas';

/**
 * Which reminders an appointment gets and when (functions/reminders/planning.ts), as properties over
 * random rule sets, IANA zones, appointment starts around each zone's own DST changes in the years
 * ahead, and random "now"s. Expected instants are computed here with luxon from the zone's offsets,
 * not with the code under test.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'Europe/Brussels',
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe', // a 30-minute DST shift
  'Pacific/Chatham', // UTC+12:45 / +13:45, changes at 02:45
  'Asia/Kolkata', // UTC+5:30, no DST
  'America/Santiago', // changes at midnight: some days have no 00:00
  'UTC',
] as const;

const offsetAt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;

/** The instants (minute precision) at which the zone's offset changes, in the next years. */
function transitionsOf(zone: string): number[] {
  const year = DateTime.now().year;
  const from = Date.UTC(year + 1, 0, 1);
  const to = Date.UTC(year + 3, 0, 1);
  const found: number[] = [];
  for (let t = from; t < to; t += DAY) {
    if (offsetAt(t, zone) === offsetAt(t + DAY, zone)) continue;
    let [lo, hi] = [t, t + DAY]; // offset(lo) ≠ offset(hi): narrow down to the minute
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
      if (offsetAt(mid, zone) === offsetAt(lo, zone)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}
const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitionsOf(zone)]));

it('finds the DST changes the properties are spread around (sanity of the generator)', () => {
  for (const zone of ['Europe/Brussels', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham'])
    expect(TRANSITIONS.get(zone as (typeof ZONES)[number]), zone).toHaveLength(4);
  expect(TRANSITIONS.get('Asia/Kolkata')).toEqual([]);
  // Brussels changes at 01:00 UTC on the last Sundays of March and October.
  for (const t of TRANSITIONS.get('Europe/Brussels')!) {
    const local = DateTime.fromMillis(t, { zone: 'UTC' });
    expect([local.hour, local.minute, local.weekday, [3, 10].includes(local.month)]).toEqual([1, 0, 7, true]);
    expect(local.plus({ weeks: 1 }).month).not.toBe(local.month);
  }
});

const iso = (ms: number) => new Date(ms).toISOString();
const roundTo5Minutes = (ms: number) => Math.round(ms / (5 * MINUTE)) * 5 * MINUTE;

/** A zone and an appointment start: around one of the zone's DST changes (−3 to +16 days), or any time ahead. */
const zonedStart = fc.constantFrom(...ZONES).chain((zone) => {
  const transitions = TRANSITIONS.get(zone)!;
  const anyTime = fc
    .integer({ min: 1, max: 3 * 365 * 24 * 12 })
    .map((fiveMinutes) => roundTo5Minutes(Date.now()) + fiveMinutes * 5 * MINUTE);
  const nearChange = transitions.length
    ? fc
        .tuple(fc.constantFrom(...transitions), fc.integer({ min: -3 * 24 * 12, max: 16 * 24 * 12 }))
        .map(([t, fiveMinutes]) => roundTo5Minutes(t) + fiveMinutes * 5 * MINUTE)
    : anyTime;
  return fc.oneof({ arbitrary: nearChange, weight: 4 }, { arbitrary: anyTime, weight: 1 }).map((start) => ({
    zone,
    start: iso(start),
  }));
});

/**
 * "N days before" aimed at a DST change: a start N days after a change's local date, so that the
 * reminder's day is the day the clocks change.
 */
const aimedDaysBefore = fc.constantFrom(...ZONES.filter((z) => TRANSITIONS.get(z)!.length)).chain((zone) =>
  fc
    .tuple(
      fc.constantFrom(...TRANSITIONS.get(zone)!),
      fc.integer({ min: 1, max: 14 }),
      fc.integer({ min: 0, max: 287 }),
    )
    .map(([t, days, fiveMinutes]) => {
      const changeDay = DateTime.fromMillis(t, { zone }).startOf('day');
      const start = changeDay.plus({ days }).startOf('day').toMillis() + fiveMinutes * 5 * MINUTE;
      return { zoned: { zone, start: iso(start) }, days };
    }),
);

/** HH:MM, often in the small hours where the clocks change. */
const hhmm = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 })),
    fc.oneof(fc.constantFrom(0, 15, 30, 45, 50), fc.integer({ min: 0, max: 59 })),
  )
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const timing: fc.Arbitrary<Timing> = fc.oneof(
  fc.record({ kind: fc.constant('daysBefore' as const), days: fc.integer({ min: 1, max: 14 }), at: hhmm }),
  fc.record({ kind: fc.constant('hoursBefore' as const), hours: fc.integer({ min: 1, max: 72 }) }),
);
const channel = fc.constantFrom<Channel>('sms', 'email');

const PRACTITIONER = '01JPRACTITIONER00000000000';
const OTHER_PRACTITIONER = '01JOTHERPRACTITIONER000000';
const TYPES = ['01JTYPE0000000000000000001', '01JTYPE0000000000000000002', '01JTYPE0000000000000000003'];

const ruleInputs = fc.array(
  fc.record({
    channel,
    timing,
    appointmentTypeIds: fc.option(fc.subarray(TYPES), { nil: undefined }),
  }),
  { maxLength: 4 },
);
const withIds = (prefix: string, rules: Omit<Rule, 'ruleId'>[]): Rule[] =>
  rules.map((r, i) => ({ ...r, ruleId: `${prefix}${i}` }) as Rule);

const rulesArb: fc.Arbitrary<ReminderRules> = fc
  .record({
    enabled: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
    centre: ruleInputs,
    own: fc.option(fc.record({ rules: ruleInputs, replaceCentreRules: fc.boolean() }), { nil: undefined }),
    other: fc.option(fc.record({ rules: ruleInputs, replaceCentreRules: fc.boolean() }), { nil: undefined }),
    patientPreference: fc.constantFrom('add' as const, 'replace' as const, 'ignore' as const),
  })
  .map(({ enabled, centre, own, other, patientPreference }) => ({
    ...DEFAULT_RULES,
    enabled,
    rules: withIds('C', centre),
    practitioners: {
      ...(own
        ? { [PRACTITIONER]: { rules: withIds('P', own.rules), replaceCentreRules: own.replaceCentreRules } }
        : {}),
      ...(other
        ? { [OTHER_PRACTITIONER]: { rules: withIds('O', other.rules), replaceCentreRules: other.replaceCentreRules } }
        : {}),
    },
    patientPreference,
  }));

type Preferences = Pick<ReminderPreferences, 'timing' | 'channel'> | undefined;
const preferencesArb: fc.Arbitrary<Preferences> = fc.option(
  fc.record({ timing: fc.option(timing, { nil: null }), channel }),
  { nil: undefined },
);

const caseArb = fc.record({
  rules: rulesArb,
  preferences: preferencesArb,
  zoned: zonedStart,
  type: fc.constantFrom(...TYPES.slice(0, 2)),
  /** How long before the start "now" is (up to 20 days; often inside the reminders' window). */
  lead: fc.integer({ min: 1, max: 20 * DAY }),
});

const appointmentOf = (c: CaseInput) => ({
  start: c.zoned.start,
  timeZone: c.zoned.zone,
  practitionerId: PRACTITIONER,
  appointmentTypeId: c.type,
});
interface CaseInput {
  rules: ReminderRules;
  preferences: Preferences;
  zoned: { zone: string; start: string };
  type: string;
  lead: number;
}
const nowOf = (c: CaseInput) => new Date(Date.parse(c.zoned.start) - c.lead);
const plan = (c: CaseInput) => remindersFor(c.rules, c.preferences, appointmentOf(c), nowOf(c));

/** Every reminder the rules ask for (before the window, duplicates and the cap), with its timing. */
function candidates(c: CaseInput): { ruleKey: string; channel: Channel; timing: Timing }[] {
  if (!c.rules.enabled) return [];
  const own = c.rules.practitioners[PRACTITIONER];
  const applies = (r: Rule) => (r.appointmentTypeIds ?? []).length === 0 || r.appointmentTypeIds!.includes(c.type);
  const fromRules =
    c.rules.patientPreference === 'replace'
      ? []
      : [
          ...(own?.replaceCentreRules
            ? []
            : c.rules.rules.filter(applies).map((r) => ({ ...r, ruleKey: `c-${r.ruleId}` }))),
          ...(own?.rules ?? []).filter(applies).map((r) => ({ ...r, ruleKey: `p-${r.ruleId}` })),
        ];
  const patient =
    c.rules.patientPreference === 'ignore'
      ? []
      : [
          {
            ruleKey: 'patient',
            channel: c.preferences?.channel ?? ('sms' as const),
            timing: c.preferences?.timing ?? DEFAULT_PATIENT_TIMING,
          },
        ];
  return [...fromRules.map(({ ruleKey, channel, timing }) => ({ ruleKey, channel, timing })), ...patient];
}

const timingOf = (c: CaseInput, r: PlannedReminder) => {
  const found = candidates(c).find((x) => x.ruleKey === r.ruleKey);
  if (!found) throw new Error(`planned ${r.ruleKey}, which no rule that applies asks for`);
  return found.timing;
};

/**
 * What "N days before at HH:MM" means, computed from the zone's offsets: the local date N days
 * before the appointment's local date; there, the instants showing HH:MM (two when the clocks go
 * back, none when they skip it). When skipped: the gap's bounds.
 */
function wallClock(start: string, zone: string, days: number, at: string) {
  const date = DateTime.fromISO(DateTime.fromISO(start, { zone }).toISODate()!, { zone: 'UTC' })
    .minus({ days })
    .toISODate()!;
  const [h, m] = at.split(':').map(Number) as [number, number];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, m);
  const offsets = [...new Set([-1, 0, 1, 2].map((k) => offsetAt(wall + k * DAY - DAY / 2, zone)))];
  const showing = (t: number) => DateTime.fromMillis(t, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
  const matches = offsets
    .map((o) => wall - o * MINUTE)
    .filter((t) => showing(t) === `${date}T${at}`)
    .sort((a, b) => a - b);
  // A skipped wall time: the clocks jump from `before` to `before + gap` at instant `changeAt`.
  const before = Math.min(...offsets);
  const gap = Math.max(...offsets) - before;
  const changeAt = wall - before * MINUTE - gap * MINUTE; // = wall − offset after the change
  return { date, matches, skipped: matches.length === 0, changeAt, gap };
}

describe('dueAtOf', () => {
  it('"H hours before" is exactly H × 3600 s before the start, in any zone, across DST', () => {
    fc.assert(
      fc.property(zonedStart, fc.integer({ min: 1, max: 72 }), ({ zone, start }, hours) => {
        const due = dueAtOf({ kind: 'hoursBefore', hours }, start, zone);
        expect(Date.parse(start) - Date.parse(due)).toBe(hours * HOUR);
        expect(due).toBe(new Date(Date.parse(due)).toISOString()); // UTC ISO, as stored and compared
      }),
      { numRuns: 300 },
    );
  });

  /** A start and N: anywhere, or with the reminder's day on a DST change. */
  const daysCase = fc.oneof(fc.record({ zoned: zonedStart, days: fc.integer({ min: 1, max: 14 }) }), aimedDaysBefore);

  it('"N days before at HH:MM" lands on the local date N days before, at that wall time (the first one when the clocks repeat it)', () => {
    fc.assert(
      fc.property(daysCase, hhmm, ({ zoned: { zone, start }, days }, at) => {
        const due = dueAtOf({ kind: 'daysBefore', days, at }, start, zone);
        const expected = wallClock(start, zone, days, at);
        expect(due).toBe(new Date(Date.parse(due)).toISOString());
        if (!expected.skipped) {
          expect(due).toBe(iso(expected.matches[0]!));
          return;
        }
        // The clocks skip HH:MM that day: the reminder is moved forward, onto the same local date,
        // no further than by the length of the gap.
        const local = DateTime.fromISO(due, { zone });
        expect(local.toISODate()).toBe(expected.date);
        expect(Date.parse(due)).toBeGreaterThanOrEqual(expected.changeAt);
        expect(Date.parse(due)).toBeLessThanOrEqual(expected.changeAt + expected.gap * MINUTE);
      }),
      { numRuns: 1500 },
    );
  });

  it('reaches the wall times the clocks skip and repeat (the generator is aimed well)', () => {
    const seen = { skipped: 0, repeated: 0 };
    fc.assert(
      fc.property(daysCase, hhmm, ({ zoned: { zone, start }, days }, at) => {
        const w = wallClock(start, zone, days, at);
        if (w.skipped) seen.skipped++;
        if (w.matches.length === 2) seen.repeated++;
      }),
      { numRuns: 1500, seed: 20_261_202 },
    );
    expect(seen.skipped).toBeGreaterThan(5);
    expect(seen.repeated).toBeGreaterThan(5);
  });

  describe('examples', () => {
    const year = DateTime.now().year + 1;
    const lastSunday = (month: number) => {
      const last = DateTime.fromObject({ year, month, day: 31 }, { zone: 'UTC' });
      return last.minus({ days: last.weekday % 7 });
    };
    const march = lastSunday(3).toISODate()!; // Brussels: 02:00 CET → 03:00 CEST
    const october = lastSunday(10).toISODate()!; // Brussels: 03:00 CEST → 02:00 CET
    const at = (date: string, days: number) => DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
    const brussels = (local: string) => DateTime.fromISO(local, { zone: 'Europe/Brussels' }).toUTC().toISO()!;
    const dayBeforeNoon: Timing = { kind: 'daysBefore', days: 1, at: '12:00' };

    it('1 day before at 12:00 in Brussels, across the March change', () => {
      // Monday 10:00 CEST (UTC+2) → Sunday 12:00 CEST = 10:00 UTC.
      expect(dueAtOf(dayBeforeNoon, brussels(`${at(march, 1)}T10:00`), 'Europe/Brussels')).toBe(
        `${march}T10:00:00.000Z`,
      );
      // Sunday 10:00 CEST → Saturday 12:00 CET (UTC+1) = 11:00 UTC.
      expect(dueAtOf(dayBeforeNoon, brussels(`${march}T10:00`), 'Europe/Brussels')).toBe(
        `${at(march, -1)}T11:00:00.000Z`,
      );
      // Sunday 09:00 CEST, 24 hours before: Saturday 08:00 CET (not the same wall time).
      expect(dueAtOf({ kind: 'hoursBefore', hours: 24 }, brussels(`${march}T09:00`), 'Europe/Brussels')).toBe(
        `${at(march, -1)}T07:00:00.000Z`,
      );
    });

    it('1 day before at 12:00 in Brussels, across the October change', () => {
      // Monday 10:00 CET → Sunday 12:00 CET = 11:00 UTC; Sunday 10:00 CET → Saturday 12:00 CEST = 10:00 UTC.
      expect(dueAtOf(dayBeforeNoon, brussels(`${at(october, 1)}T10:00`), 'Europe/Brussels')).toBe(
        `${october}T11:00:00.000Z`,
      );
      expect(dueAtOf(dayBeforeNoon, brussels(`${october}T10:00`), 'Europe/Brussels')).toBe(
        `${at(october, -1)}T10:00:00.000Z`,
      );
    });

    it('a wall time the clocks repeat is its first occurrence (still summer time)', () => {
      // 02:30 happens twice on the October Sunday: first at 00:30 UTC (CEST), then at 01:30 UTC (CET).
      const due = dueAtOf(
        { kind: 'daysBefore', days: 2, at: '02:30' },
        brussels(`${at(october, 2)}T10:00`),
        'Europe/Brussels',
      );
      expect(due).toBe(`${october}T00:30:00.000Z`);
    });

    it('a wall time the clocks skip is moved after the gap, the same day', () => {
      // 02:30 does not exist on the March Sunday in Brussels (02:00 → 03:00 CEST at 01:00 UTC).
      const due = dueAtOf(
        { kind: 'daysBefore', days: 1, at: '02:30' },
        brussels(`${at(march, 1)}T10:00`),
        'Europe/Brussels',
      );
      const local = DateTime.fromISO(due, { zone: 'Europe/Brussels' });
      expect(local.toISODate()).toBe(march);
      expect(Date.parse(due)).toBeGreaterThanOrEqual(Date.parse(`${march}T01:00:00.000Z`));
      expect(Date.parse(due)).toBeLessThanOrEqual(Date.parse(`${march}T01:30:00.000Z`));
    });
  });
});

describe('remindersFor', () => {
  const property = (check: (c: CaseInput, planned: PlannedReminder[]) => void, numRuns = 600) =>
    fc.assert(
      fc.property(caseArb, (c) => check(c, plan(c))),
      { numRuns },
    );

  it('plans only reminders strictly after now and strictly before the start, sorted, at most 6', () => {
    property((c, planned) => {
      const now = nowOf(c).getTime();
      for (const r of planned) {
        expect(Date.parse(r.dueAt)).toBeGreaterThan(now);
        expect(Date.parse(r.dueAt)).toBeLessThan(Date.parse(c.zoned.start));
      }
      expect(planned.length).toBeLessThanOrEqual(MAX_REMINDERS_PER_APPOINTMENT);
      expect(planned.map((r) => Date.parse(r.dueAt))).toEqual(
        planned.map((r) => Date.parse(r.dueAt)).sort((a, b) => a - b),
      );
    });
  });

  it('leaves out a reminder due exactly now, and plans it when now is a millisecond earlier', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), (c, pick) => {
        const all = candidates(c);
        fc.pre(all.length > 0);
        const x = all[pick % all.length]!;
        const due = dueAtOf(x.timing, c.zoned.start, c.zoned.zone);
        const sameInstant = (planned: PlannedReminder[]) =>
          planned.filter((r) => r.channel === x.channel && r.dueAt === due);
        const appointment = appointmentOf(c);
        expect(sameInstant(remindersFor(c.rules, c.preferences, appointment, new Date(due)))).toEqual([]);
        // One millisecond earlier it is the earliest of all still ahead: never beyond the 6 kept.
        expect(
          sameInstant(remindersFor(c.rules, c.preferences, appointment, new Date(Date.parse(due) - 1))),
        ).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });

  it('plans each reminder at its own rule’s time, never two of one channel at the same instant', () => {
    property((c, planned) => {
      for (const r of planned) {
        const t = timingOf(c, r);
        if (t.kind === 'hoursBefore') expect(Date.parse(c.zoned.start) - Date.parse(r.dueAt)).toBe(t.hours * HOUR);
        else {
          const w = wallClock(c.zoned.start, c.zoned.zone, t.days, t.at);
          if (!w.skipped) expect(r.dueAt).toBe(iso(w.matches[0]!));
          else expect(DateTime.fromISO(r.dueAt, { zone: c.zoned.zone }).toISODate()).toBe(w.date);
        }
        expect(r.channel).toBe(candidates(c).find((x) => x.ruleKey === r.ruleKey)!.channel);
      }
      const instants = planned.map((r) => `${r.channel}@${Date.parse(r.dueAt)}`);
      expect(new Set(instants).size).toBe(instants.length);
      expect(new Set(planned.map((r) => r.ruleKey)).size).toBe(planned.length);
    });
  });

  it('leaves out nothing the rules ask for in the window, but duplicates and those beyond the 6 earliest', () => {
    property((c, planned) => {
      const now = nowOf(c).getTime();
      const start = Date.parse(c.zoned.start);
      const latest = Math.max(...planned.map((r) => Date.parse(r.dueAt)));
      for (const x of candidates(c)) {
        const due = Date.parse(dueAtOf(x.timing, c.zoned.start, c.zoned.zone));
        if (due <= now || due >= start) continue;
        const kept =
          planned.some((r) => r.ruleKey === x.ruleKey) ||
          planned.some((r) => r.channel === x.channel && Date.parse(r.dueAt) === due) ||
          (planned.length === MAX_REMINDERS_PER_APPOINTMENT && due >= latest);
        expect(kept, `${x.ruleKey} (${x.channel}, ${iso(due)}) left out`).toBe(true);
      }
    });
  });

  it('plans nothing when the centre turned reminders off', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(remindersFor({ ...c.rules, enabled: false }, c.preferences, appointmentOf(c), nowOf(c))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('applies a rule filtered by appointment type only to those types; other practitioners’ rules never', () => {
    property((c, planned) => {
      for (const r of planned) {
        if (r.ruleKey === 'patient') continue;
        const [source, id] = [r.ruleKey.slice(0, 2), r.ruleKey.slice(2)];
        const rule =
          source === 'c-'
            ? c.rules.rules.find((x) => x.ruleId === id)
            : c.rules.practitioners[PRACTITIONER]?.rules.find((x) => x.ruleId === id);
        expect(rule, `${r.ruleKey} is the centre's or the appointment practitioner's`).toBeDefined();
        if (rule!.appointmentTypeIds?.length) expect(rule!.appointmentTypeIds).toContain(c.type);
      }
    });
  });

  it('combines the patient’s own preference as the centre says: add, replace, ignore; a practitioner may replace the centre’s rules', () => {
    property((c, planned) => {
      const keys = planned.map((r) => r.ruleKey);
      const own = c.rules.practitioners[PRACTITIONER];
      if (c.rules.patientPreference === 'replace') expect(keys.every((k) => k === 'patient')).toBe(true);
      if (c.rules.patientPreference === 'ignore') expect(keys).not.toContain('patient');
      if (own?.replaceCentreRules) expect(keys.filter((k) => k.startsWith('c-'))).toEqual([]);
      const patient = planned.find((r) => r.ruleKey === 'patient');
      if (patient) {
        expect(patient.channel).toBe(c.preferences?.channel ?? 'sms');
        expect(patient.dueAt).toBe(
          dueAtOf(c.preferences?.timing ?? DEFAULT_PATIENT_TIMING, c.zoned.start, c.zoned.zone),
        );
      }
    });
  });

  it('gives the patient the default (SMS, the day before at 12:00) when the centre has no rules', () => {
    const start = DateTime.now()
      .setZone('Europe/Brussels')
      .plus({ days: 10 })
      .set({ hour: 9, minute: 30, second: 0, millisecond: 0 });
    const planned = remindersFor(
      DEFAULT_RULES,
      undefined,
      {
        start: start.toUTC().toISO()!,
        timeZone: 'Europe/Brussels',
        practitionerId: PRACTITIONER,
        appointmentTypeId: TYPES[0]!,
      },
      new Date(),
    );
    expect(planned).toEqual([
      {
        ruleKey: 'patient',
        channel: 'sms',
        dueAt: start.minus({ days: 1 }).set({ hour: 12, minute: 0 }).toUTC().toISO()!,
      },
    ]);
  });

  it('keeps one of two rules asking for the same channel at the same instant, and both when the channels differ', () => {
    let start = DateTime.now()
      .setZone('Europe/Paris')
      .plus({ days: 20 })
      .set({ hour: 15, minute: 0, second: 0, millisecond: 0 });
    // 27 hours before is the day before at 12:00 only when the clocks do not change in between.
    while (start.offset !== start.minus({ days: 2 }).offset) start = start.plus({ weeks: 1 });
    const rules: ReminderRules = {
      ...DEFAULT_RULES,
      patientPreference: 'add',
      rules: withIds('C', [
        { channel: 'sms', timing: { kind: 'hoursBefore', hours: 27 } }, // the day before at 12:00
        { channel: 'email', timing: { kind: 'daysBefore', days: 1, at: '12:00' } },
      ]),
    };
    const planned = remindersFor(
      rules,
      undefined,
      {
        start: start.toUTC().toISO()!,
        timeZone: 'Europe/Paris',
        practitionerId: PRACTITIONER,
        appointmentTypeId: TYPES[0]!,
      },
      new Date(),
    );
    expect(planned.map((r) => [r.ruleKey, r.channel])).toEqual([
      ['c-C0', 'sms'],
      ['c-C1', 'email'],
    ]);
  });

  it('keeps the 6 earliest when the rules ask for more', () => {
    const start = DateTime.now()
      .setZone('Asia/Kolkata')
      .plus({ days: 30 })
      .set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    const hours = (h: number, ch: Channel = 'sms') => ({
      channel: ch,
      timing: { kind: 'hoursBefore' as const, hours: h },
    });
    const rules: ReminderRules = {
      ...DEFAULT_RULES,
      patientPreference: 'add',
      rules: withIds('C', [hours(1), hours(2), hours(3), hours(4)]),
      practitioners: {
        [PRACTITIONER]: {
          replaceCentreRules: false,
          rules: withIds('P', [hours(5), hours(6, 'email'), hours(7), hours(8)]),
        },
      },
    };
    const planned = remindersFor(
      rules,
      { timing: { kind: 'hoursBefore', hours: 9 }, channel: 'email' },
      {
        start: start.toUTC().toISO()!,
        timeZone: 'Asia/Kolkata',
        practitionerId: PRACTITIONER,
        appointmentTypeId: TYPES[0]!,
      },
      new Date(),
    );
    expect(planned.map((r) => r.ruleKey)).toEqual(['patient', 'p-P3', 'p-P2', 'p-P1', 'p-P0', 'c-C3']);
  });
});
