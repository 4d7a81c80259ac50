import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { chunked } from '#functions/agenda/appointments';
import { cellChanges, cellOpItem, invertCellOp, moveCellOps } from '#functions/agenda/repository';
import {
  assertLocations,
  episodeRefusal,
  freeSlotsOf,
  hoursInForce,
  overlaps,
  tooManyOccurrences,
  usedPercent,
  withinHours,
} from '#functions/agenda/rules';
import { assertOnGrid, atLocal, cellsOf, dayBounds, instantOf } from '#functions/agenda/time';

/** The agenda's rules that need no database: time, cells, hours, overlaps, episodes. */
const ZONE = 'Europe/Brussels';
const at = (local: string) => DateTime.fromISO(local, { zone: ZONE });

describe('time', () => {
  it('reads a local time in the centre’s zone, keeps an explicit offset, refuses a skipped local time', () => {
    expect(instantOf('2027-03-26T09:00', ZONE, 'f').toUTC().toISO()).toBe('2027-03-26T08:00:00.000Z');
    expect(instantOf('2027-03-29T09:00', ZONE, 'f').toUTC().toISO()).toBe('2027-03-29T07:00:00.000Z');
    expect(instantOf('2027-03-29T09:00:00Z', ZONE, 'f').toUTC().toISO()).toBe('2027-03-29T09:00:00.000Z');
    expect(instantOf('2027-03-29T09:00+05:30', ZONE, 'f').toUTC().toISO()).toBe('2027-03-29T03:30:00.000Z');
    expect(() => instantOf('2027-03-28T02:30', ZONE, 'body.start')).toThrow(/does not exist/);
    // The repeated hour in autumn: the first of the two.
    expect(instantOf('2027-10-31T02:30', ZONE, 'f').toUTC().toISO()).toBe('2027-10-31T00:30:00.000Z');
  });

  it('has days of 23 and 25 hours at the DST changes', () => {
    const spring = dayBounds('2027-03-28', ZONE);
    const autumn = dayBounds('2027-10-31', ZONE);
    expect(Date.parse(spring.end) - Date.parse(spring.start)).toBe(23 * 3_600_000);
    expect(Date.parse(autumn.end) - Date.parse(autumn.start)).toBe(25 * 3_600_000);
    expect(dayBounds('2027-06-01', ZONE, 7)).toEqual({
      start: '2027-05-31T22:00:00.000Z',
      end: '2027-06-07T22:00:00.000Z',
    });
  });

  it('covers [start, end) with consecutive 5-minute cells, whatever the range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 48 }), (slot, n) => {
        const start = new Date(Date.UTC(2027, 0, 1) + slot * 300_000).toISOString();
        const end = new Date(Date.parse(start) + n * 300_000).toISOString();
        const cells = cellsOf(start, end);
        expect(cells).toHaveLength(n);
        expect(cells[0]).toBe(start);
        cells.forEach((c, i) => expect(Date.parse(c)).toBe(Date.parse(start) + i * 300_000));
      }),
    );
  });
});

describe('occupied-time cells of a move', () => {
  const held = (p: string, start: string, minutes: number) => ({
    practitionerId: p,
    start,
    end: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
  });
  const kinds = (items: ReturnType<typeof cellChanges>) =>
    items.map((i) => (i.Put ? `put ${String(i.Put.Item?.sk)}` : `delete ${String(i.Delete?.Key?.sk)}`));

  it('takes free cells until a day after the session, frees only cells the appointment holds', () => {
    const items = cellChanges(
      'C',
      'A',
      held('P', '2027-01-04T09:00:00.000Z', 5),
      held('P', '2027-01-04T10:00:00.000Z', 5),
    );
    expect(items).toEqual([
      {
        Delete: {
          TableName: expect.any(String),
          Key: { pk: 'CENTRE#C#OCCUPIED#P', sk: '2027-01-04T09:00:00.000Z' },
          ConditionExpression: 'appointmentId = :a',
          ExpressionAttributeValues: { ':a': 'A' },
        },
      },
      {
        Put: {
          TableName: expect.any(String),
          Item: {
            pk: 'CENTRE#C#OCCUPIED#P',
            sk: '2027-01-04T10:00:00.000Z',
            entity: 'OccupiedCell',
            appointmentId: 'A',
            ttl: Date.parse('2027-01-04T10:05:00.000Z') / 1000 + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  });

  it('takes only the new cells and frees only the old ones when the ranges overlap', () => {
    const before = held('P', '2027-01-04T09:00:00.000Z', 15);
    const after = held('P', '2027-01-04T09:10:00.000Z', 15);
    expect(kinds(cellChanges('C', 'A', before, after))).toEqual([
      'delete 2027-01-04T09:00:00.000Z',
      'delete 2027-01-04T09:05:00.000Z',
      'put 2027-01-04T09:15:00.000Z',
      'put 2027-01-04T09:20:00.000Z',
    ]);
  });

  it('moves every cell to another practitioner, and never touches one item twice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 48 }),
        fc.boolean(),
        (s1, n1, s2, n2, samePractitioner) => {
          const t = (n: number) => new Date(Date.UTC(2027, 0, 4) + n * 300_000).toISOString();
          const before = held('P', t(s1), n1 * 5);
          const after = held(samePractitioner ? 'P' : 'Q', t(s2), n2 * 5);
          const items = cellChanges('C', 'A', before, after);
          const keys = items.map((i) =>
            JSON.stringify(i.Put ? [i.Put.Item?.pk, i.Put.Item?.sk] : [i.Delete?.Key?.pk, i.Delete?.Key?.sk]),
          );
          expect(new Set(keys).size).toBe(keys.length);
          const puts = items.filter((i) => i.Put).length;
          const deletes = items.filter((i) => i.Delete).length;
          const shared = samePractitioner
            ? cellsOf(before.start, before.end).filter((c) => cellsOf(after.start, after.end).includes(c)).length
            : 0;
          expect(puts).toBe(n2 - shared);
          expect(deletes).toBe(n1 - shared);
        },
      ),
    );
  });
});

describe('opening hours', () => {
  const hours = [
    { day: 'mon' as const, opens: '08:30', closes: '12:30', locationId: 'L1' },
    { day: 'mon' as const, opens: '13:30', closes: '18:00' },
  ];

  it('a session must lie inside one interval of its weekday, at its location', () => {
    const mon = (from: string, minutes: number) =>
      [at(`2027-03-29T${from}`), at(`2027-03-29T${from}`).plus({ minutes })] as const;
    expect(withinHours(...mon('08:30', 30), hours, 'L1')).toBe(true);
    expect(withinHours(...mon('12:00', 30), hours, 'L1')).toBe(true);
    expect(withinHours(...mon('12:15', 30), hours, 'L1')).toBe(false); // runs past closing
    expect(withinHours(...mon('12:30', 60), hours, undefined)).toBe(false); // across the lunch break
    expect(withinHours(...mon('09:00', 30), hours, 'L2')).toBe(false); // not at that location in the morning
    expect(withinHours(...mon('14:00', 30), hours, 'L2')).toBe(true); // afternoon: any location
    expect(withinHours(at('2027-03-30T09:00'), at('2027-03-30T09:30'), hours, 'L1')).toBe(false); // a Tuesday
  });

  it('reads hours on the wall clock, on both sides of a DST change', () => {
    for (const date of ['2027-03-22', '2027-03-29', '2027-10-25', '2027-11-01'])
      expect(withinHours(at(`${date}T08:30`), at(`${date}T09:00`), hours, 'L1')).toBe(true);
  });

  it('no hours anywhere: no restriction; the practitioner’s own hours win over the centre’s', () => {
    expect(withinHours(at('2027-03-28T23:00'), at('2027-03-28T23:30'), [], undefined)).toBe(true);
    const centre = { openingHours: [{ day: 'mon' as const, opens: '08:00', closes: '17:00' }] };
    expect(hoursInForce(centre, undefined)).toEqual({ hours: centre.openingHours, slotMinutes: 15, source: 'centre' });
    expect(hoursInForce(centre, { hours, slotMinutes: 20 }).source).toBe('practitioner');
  });
});

describe('overlaps and episodes', () => {
  it('ranges overlap when each starts before the other ends; touching ends do not', () => {
    const r = (a: string, b: string) => ({ start: `2027-01-04T${a}:00.000Z`, end: `2027-01-04T${b}:00.000Z` });
    expect(overlaps(r('09:00', '09:45'), r('09:30', '10:00'))).toBe(true);
    expect(overlaps(r('09:00', '09:45'), r('08:30', '09:05'))).toBe(true);
    expect(overlaps(r('09:00', '09:45'), r('09:45', '10:15'))).toBe(false);
    expect(overlaps(r('09:00', '09:45'), r('08:30', '09:00'))).toBe(false);
    expect(overlaps(r('09:00', '12:00'), r('10:00', '10:05'))).toBe(true);
  });

  it('an episode covers its kinds between prescription and expiry, days included', () => {
    const e = { granted: { 'individual-30': 18 }, prescriptionDate: '2027-01-10', expiresOn: '2027-06-30' };
    expect(episodeRefusal(e, 'individual-30', '2027-01-10')).toBeUndefined();
    expect(episodeRefusal(e, 'individual-30', '2027-06-30')).toBeUndefined();
    expect(episodeRefusal(e, 'individual-30', '2027-07-01')?.code).toBe('episode_expired');
    expect(episodeRefusal(e, 'individual-30', '2027-01-09')?.code).toBe('episode_not_started');
    expect(episodeRefusal(e, 'group-60', '2027-02-01')?.code).toBe('not_in_episode');
    expect(episodeRefusal(e, undefined, '2027-02-01')?.code).toBe('not_in_episode');
    expect(usedPercent({ granted: { a: 18, b: 2 }, used: { a: 15, b: 1 } })).toBe(80);
    expect(usedPercent({ granted: { a: 3 }, used: { a: 1 } })).toBe(33.3);
  });

  it('groups transaction items without splitting one and without exceeding the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 49 }), { maxLength: 60 }), (sizes) => {
        const chunks = chunked(sizes, (n) => n);
        expect(chunks.flat()).toEqual(sizes);
        for (const chunk of chunks) expect(chunk.length === 1 || chunk.reduce((a, b) => a + b, 0) <= 98).toBe(true);
      }),
    );
  });
});

describe('free slots', () => {
  /** The rule written plainly: every candidate stepped on the wall clock with luxon. */
  function reference(input: Parameters<typeof freeSlotsOf>[0]) {
    const out: { start: string; end: string; localStart: string }[] = [];
    for (let d = 0; d < input.days; d++) {
      const day = DateTime.fromISO(input.from, { zone: input.zone }).plus({ days: d });
      const date = day.toFormat('yyyy-MM-dd');
      if (input.isHoliday(date)) continue;
      for (const h of input.hours) {
        if (h.day !== ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][day.weekday - 1]) continue;
        const closes = DateTime.fromISO(`${date}T${h.closes}`, { zone: input.zone });
        for (
          let s = DateTime.fromISO(`${date}T${h.opens}`, { zone: input.zone });
          ;
          s = s.plus({ minutes: input.slotMinutes })
        ) {
          const e = s.plus({ minutes: input.durationMinutes });
          if (e > closes) break;
          const slot = { start: s.toUTC().toISO()!, end: e.toUTC().toISO()! };
          if (s.toMillis() > input.now && !input.busy.some((b) => overlaps(b, slot)))
            out.push({ start: slot.start, end: slot.end, localStart: s.toFormat("yyyy-MM-dd'T'HH:mm") });
        }
      }
    }
    return out.sort((a, b) => (a.start < b.start ? -1 : 1));
  }
  const time = fc
    .integer({ min: 6 * 12, max: 20 * 12 })
    .map((n) => `${String(Math.floor(n / 12)).padStart(2, '0')}:${String((n % 12) * 5).padStart(2, '0')}`);

  it('gives exactly the slots of the rule stepped on the wall clock, across DST weeks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('2027-03-22', '2027-10-25', '2027-06-07', '2028-03-20'),
        fc.array(
          fc
            .tuple(fc.constantFrom('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun' as const), time, time)
            .filter(([, a, b]) => a < b),
          { maxLength: 6 },
        ),
        fc.constantFrom(5, 10, 15, 30),
        fc.constantFrom(15, 30, 45, 60),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 14 * 288 }), fc.integer({ min: 1, max: 24 })), { maxLength: 20 }),
        (from, intervals, slotMinutes, durationMinutes, busyCells) => {
          const base = Date.parse(`${from}T00:00:00Z`) - 3_600_000;
          const input = {
            from,
            days: 14,
            zone: ZONE,
            hours: intervals.map(([day, opens, closes]) => ({ day, opens, closes })),
            slotMinutes,
            durationMinutes,
            busy: busyCells.map(([cell, n]) => ({
              start: new Date(base + cell * 300_000).toISOString(),
              end: new Date(base + (cell + n) * 300_000).toISOString(),
            })),
            now: base + 36 * 3_600_000,
            isHoliday: (date: string) => date.endsWith('-26'),
          };
          const fast = freeSlotsOf(input).map(({ start, end, localStart }) => ({ start, end, localStart }));
          expect(fast).toEqual(reference(input));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('starts slots on the 5-minute booking grid when the centre opens at any minute', () => {
    const slots = freeSlotsOf({
      from: '2027-06-07',
      days: 1,
      zone: ZONE,
      hours: [{ day: 'mon', opens: '08:07', closes: '09:00' }],
      slotMinutes: 15,
      durationMinutes: 15,
      busy: [],
      now: 0,
      isHoliday: () => false,
    });
    expect(slots.map((s) => s.localStart.slice(11))).toEqual(['08:10', '08:25', '08:40']);
  });

  it('an interval across the hour the clocks skip keeps the wall-clock grid', () => {
    const slots = freeSlotsOf({
      from: '2027-03-28',
      days: 1,
      zone: ZONE,
      hours: [{ day: 'sun', opens: '01:00', closes: '04:00' }],
      slotMinutes: 30,
      durationMinutes: 30,
      busy: [],
      now: 0,
      isHoliday: () => false,
    });
    expect(slots.map((s) => s.localStart.slice(11))).toEqual(['01:00', '01:30', '03:00', '03:30']);
  });
});

describe('edges the mutation run found untested', () => {
  it('refuses a time off the grid (minutes, seconds) and accepts one on it', () => {
    expect(() => assertOnGrid(at('2027-06-07T09:03'), 'body.start')).toThrow(/5-minute grid/);
    expect(() => assertOnGrid(at('2027-06-07T09:05').set({ second: 30 }), 'body.start')).toThrow(/5-minute grid/);
    expect(() => assertOnGrid(at('2027-06-07T09:05').set({ millisecond: 1 }), 'body.start')).toThrow(/5-minute grid/);
    expect(() => assertOnGrid(at('2027-06-07T09:05'), 'body.start')).not.toThrow();
    try {
      assertOnGrid(at('2027-06-07T09:03'), 'body.start');
    } catch (error) {
      expect((error as { details: unknown }).details).toEqual({
        fields: [{ field: 'body.start', message: expect.stringContaining('5-minute grid') }],
      });
    }
  });

  it('names the field of a skipped local time; a 30-minute DST change (Lord Howe) is caught too', () => {
    try {
      instantOf('2027-03-28T02:30', ZONE, 'body.start');
      expect.unreachable();
    } catch (error) {
      expect((error as { details: unknown }).details).toEqual({
        fields: [{ field: 'body.start', message: 'this local time does not exist that day' }],
      });
    }
    expect(() => instantOf('2027-10-03T02:15', 'Australia/Lord_Howe', 'f')).toThrow(/does not exist/);
    expect(instantOf('2027-03-29T09:00+0530', ZONE, 'f').toUTC().toISO()).toBe('2027-03-29T03:30:00.000Z');
  });

  it('a wall-clock time the clocks skip has no instant that day', () => {
    expect(atLocal('2027-03-28', '02:30', ZONE)).toBeUndefined();
    expect(atLocal('2027-03-28', '03:30', ZONE)?.toUTC().toISO()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('a session ending at midnight or crossing it is outside any hours; a booking without a place fits hours at one', () => {
    const late = [{ day: 'mon' as const, opens: '20:00', closes: '23:55' }];
    expect(withinHours(at('2027-06-07T23:30'), at('2027-06-08T00:00'), late, undefined)).toBe(false);
    expect(withinHours(at('2027-06-07T23:30'), at('2027-06-08T00:30'), late, undefined)).toBe(false);
    expect(withinHours(at('2027-06-07T23:00'), at('2027-06-07T23:30'), late, undefined)).toBe(true);
    const atL1 = [{ day: 'mon' as const, opens: '08:00', closes: '12:00', locationId: 'L1' }];
    expect(withinHours(at('2027-06-07T09:00'), at('2027-06-07T09:30'), atL1, undefined)).toBe(true);
  });

  it('names every location that is not the centre’s', () => {
    const centre = { locations: [{ locationId: 'L1', name: 'Cabinet' }] };
    expect(() =>
      assertLocations(centre, { 'body.locationId': 'L1', 'body.travel.toLocationId': undefined }),
    ).not.toThrow();
    try {
      assertLocations(centre, {
        'body.locationId': 'L2',
        'body.travel.fromLocationId': 'L1',
        'body.travel.toLocationId': 'L3',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'unknown_location',
        details: {
          fields: [
            { field: 'body.locationId', message: 'not a location of this centre' },
            { field: 'body.travel.toLocationId', message: 'not a location of this centre' },
          ],
        },
      });
    }
  });

  it('episode refusals carry a message; nothing granted is 0 % used; a too long series names the recurrence', () => {
    const e = { granted: { a: 1 }, prescriptionDate: '2027-01-10', expiresOn: '2027-06-30' };
    for (const [kind, date] of [
      ['b', '2027-02-01'],
      ['a', '2027-01-01'],
      ['a', '2027-07-01'],
    ] as const)
      expect(episodeRefusal(e, kind, date)?.message.length).toBeGreaterThan(20);
    expect(usedPercent({ granted: {}, used: {} })).toBe(0);
    expect(tooManyOccurrences(52)).toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ field: 'body.recurrence', message: 'at most 52 occurrences' }] },
    });
  });

  const slotsOf = (input: Partial<Parameters<typeof freeSlotsOf>[0]>) =>
    freeSlotsOf({
      from: '2027-06-07',
      days: 1,
      zone: ZONE,
      hours: [{ day: 'mon', opens: '09:00', closes: '10:00' }],
      slotMinutes: 30,
      durationMinutes: 30,
      busy: [],
      now: 0,
      isHoliday: () => false,
      ...input,
    }).map((s) => ({ at: s.localStart.slice(11), ...(s.locationId ? { locationId: s.locationId } : {}) }));

  it('free slots: a busy minute anywhere inside a slot removes it; slots carry their location', () => {
    const busy = [{ start: '2027-06-07T07:10:00.000Z', end: '2027-06-07T07:15:00.000Z' }]; // 09:10 local
    expect(slotsOf({ busy })).toEqual([{ at: '09:30' }]);
    expect(slotsOf({ hours: [{ day: 'mon', opens: '09:00', closes: '10:00', locationId: 'L1' }] })).toEqual([
      { at: '09:00', locationId: 'L1' },
      { at: '09:30', locationId: 'L1' },
    ]);
  });

  it('free slots: an opening rounded past its closing, or hours in the skipped hour, give none', () => {
    expect(slotsOf({ hours: [{ day: 'mon', opens: '09:57', closes: '10:00' }], durationMinutes: 5 })).toEqual([]);
    expect(
      slotsOf({ from: '2027-03-28', hours: [{ day: 'sun', opens: '02:00', closes: '02:45' }], durationMinutes: 15 }),
    ).toEqual([]);
  });
});

describe('cell hand-overs of appointments moving together', () => {
  const cellKey = (op: { practitionerId: string; cell: string }) => `${op.practitionerId}|${op.cell}`;
  const held = (appointments: { appointmentId: string; practitionerId: string; start: string; end: string }[]) => {
    const map = new Map<string, string>();
    for (const a of appointments)
      for (const c of cellsOf(a.start, a.end)) map.set(`${a.practitionerId}|${c}`, a.appointmentId);
    return map;
  };

  it('turns who holds each cell before into who holds it after, one change per cell', () => {
    const t = (n: number) => new Date(Date.UTC(2027, 0, 4) + n * 300_000).toISOString();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 60 }),
            fc.integer({ min: 1, max: 12 }),
            fc.integer({ min: -30, max: 30 }),
            fc.boolean(),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (specs) => {
          // Appointments that do not overlap before (each on its own 100-cell stretch), moved by any amount.
          const moves = specs.map(([offset, n, shift, other], i) => {
            const from = {
              appointmentId: `A${i}`,
              practitionerId: 'P',
              start: t(i * 100 + offset),
              end: t(i * 100 + offset + n),
            };
            const to = {
              ...from,
              practitionerId: other ? 'Q' : 'P',
              start: t(i * 100 + offset + shift),
              end: t(i * 100 + offset + shift + n),
            };
            return { from, to };
          });
          const ops = moveCellOps(moves);
          expect(new Set(ops.map(cellKey)).size).toBe(ops.length);
          const state = held(moves.map((m) => m.from));
          for (const op of ops) {
            expect(state.get(cellKey(op))).toBe(op.before?.appointmentId);
            if (op.after) state.set(cellKey(op), op.after.appointmentId);
            else state.delete(cellKey(op));
            expect(op.move).toBe(moves.findIndex((m) => m.to.appointmentId === (op.after ?? op.before)!.appointmentId));
          }
          expect(state).toEqual(held(moves.map((m) => m.to)));
          // A cell that keeps its holder and its expiry is left alone.
          for (const op of ops)
            expect(op.before && op.after && JSON.stringify(op.before) === JSON.stringify(op.after)).toBeFalsy();
          // Undone, every change restores the holder before, from the holder after.
          for (const op of ops.map(invertCellOp)) {
            expect(state.get(cellKey(op))).toBe(op.before?.appointmentId);
            if (op.after) state.set(cellKey(op), op.after.appointmentId);
            else state.delete(cellKey(op));
          }
          expect(state).toEqual(held(moves.map((m) => m.from)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands a cell over with a condition on its previous holder, takes a free one on its absence', () => {
    const key = { practitionerId: 'P', cell: '2027-01-04T09:00:00.000Z' };
    const handOver = cellOpItem('C', {
      ...key,
      before: { appointmentId: 'A', ttl: 1 },
      after: { appointmentId: 'B', ttl: 2 },
    });
    expect(handOver.Put).toMatchObject({
      Item: { pk: 'CENTRE#C#OCCUPIED#P', sk: key.cell, entity: 'OccupiedCell', appointmentId: 'B', ttl: 2 },
      ConditionExpression: 'appointmentId = :before',
      ExpressionAttributeValues: { ':before': 'A' },
    });
    expect(cellOpItem('C', { ...key, after: { appointmentId: 'B', ttl: 2 } }).Put?.ConditionExpression).toBe(
      'attribute_not_exists(pk)',
    );
    expect(cellOpItem('C', { ...key, before: { appointmentId: 'A', ttl: 1 } }).Delete).toMatchObject({
      Key: { pk: 'CENTRE#C#OCCUPIED#P', sk: key.cell },
      ConditionExpression: 'appointmentId = :before',
      ExpressionAttributeValues: { ':before': 'A' },
    });
  });
});
