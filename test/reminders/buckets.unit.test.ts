import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketsBetween, DUE_SHARDS, shardOf } from '#functions/reminders/planning';

/** The due index's partitions: UTC hours, and shards that spread one hour's reminders. */
describe('the due index', () => {
  it('puts an instant in its UTC hour', () => {
    expect(bucketOf('2026-12-02T11:59:59.999Z')).toBe('2026-12-02T11');
    expect(bucketOf('2026-12-02T12:00:00.000Z')).toBe('2026-12-02T12');
  });

  it('lists every hour from the one holding `from` to the one holding `to`, once, in order', () => {
    expect(bucketsBetween('2026-12-02T10:50:00.000Z', '2026-12-02T12:05:00.000Z')).toEqual([
      '2026-12-02T10',
      '2026-12-02T11',
      '2026-12-02T12',
    ]);
    expect(bucketsBetween('2026-12-02T10:05:00.000Z', '2026-12-02T10:55:00.000Z')).toEqual(['2026-12-02T10']);
    expect(bucketsBetween('2026-12-31T23:30:00.000Z', '2027-01-01T00:10:00.000Z')).toEqual([
      '2026-12-31T23',
      '2027-01-01T00',
    ]);
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 48 * 60 }),
        (from, minutes) => {
          const to = new Date(from.getTime() + minutes * 60_000);
          const hours = bucketsBetween(from.toISOString(), to.toISOString());
          expect(hours[0]).toBe(bucketOf(from.toISOString()));
          expect(hours.at(-1)).toBe(bucketOf(to.toISOString()));
          expect(new Set(hours).size).toBe(hours.length);
          expect([...hours].sort()).toEqual(hours);
          expect(hours.length).toBe(Math.floor(to.getTime() / 3_600_000) - Math.floor(from.getTime() / 3_600_000) + 1);
        },
      ),
    );
  });

  it('spreads keys over every shard, the same key always to the same one', () => {
    const keys = Array.from({ length: 800 }, (_, i) => `CENTRE#c${i % 37}#APPT#a${i}#REMINDER#000000#patient`);
    const shards = keys.map(shardOf);
    expect(keys.map(shardOf)).toEqual(shards);
    expect(new Set(shards)).toEqual(new Set(Array.from({ length: DUE_SHARDS }, (_, i) => i)));
    for (let s = 0; s < DUE_SHARDS; s++) expect(shards.filter((x) => x === s).length).toBeGreaterThan(60);
  });
});
