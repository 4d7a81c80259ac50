import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cancelAppointment } from '#functions/agenda/appointments';
import { closeDay, listOpenSessions } from '#functions/agenda/closing';
import { getCareEpisode } from '#functions/agenda/episodes';
import { practitionerAppointments } from '#functions/agenda/repository';
import { cursorKey } from '#functions/identity/signing-key';
import { createPatient } from '#functions/patients/service';
import { createCursors } from '#shared/http/cursor';
import { call } from '../support/api';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, type CentreWorld, newPatient, origin } from '../support/world';
import { book, freshSlot, mondayAhead, newEpisode, newType } from './fixtures';

/**
 * Weekly series across DST changes (a fast-check property through the booking service on
 * DynamoDB Local), series booked whole or not at all, and care-episode quotas: planned and used
 * sessions, the quota enforced by DynamoDB, overrides, expiry, closing a day and the 80 % alert.
 */
const ZONE = 'Europe/Brussels';
let w: CentreWorld;
let typeId: string;
let doubleTypeId: string;
const cursors = createCursors(cursorKey);

beforeAll(async () => {
  w = await buildCentre('Series centre');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
  doubleTypeId = (await newType(w.manager.actor, { name: 'Séance 60′', durationMinutes: 60, episodeUnits: 2 }))
    .appointmentTypeId;
});
afterEach(() => vi.useRealTimers());

const base = () => ({ practitionerId: w.practitioner.userId, patientId: w.patientId, appointmentTypeId: typeId });

describe('weekly series', () => {
  /**
   * Dates up to three weeks before the next four DST changes (last Sundays of March and October)
   * at least a month ahead, and any date of the next two years: relative to today, whatever its
   * month, so every series (at most 24 weeks) ends well within the 3 years bookings may reach.
   */
  const year = DateTime.now().year;
  const lastSunday = (y: number, month: number) => {
    const last = DateTime.fromObject({ year: y, month, day: 31 }, { zone: ZONE });
    return last.minus({ days: last.weekday % 7 }).toFormat('yyyy-MM-dd');
  };
  const monthAhead = DateTime.now().plus({ days: 30 }).toFormat('yyyy-MM-dd');
  const dstChanges = [year, year + 1, year + 2, year + 3]
    .flatMap((y) => [lastSunday(y, 3), lastSunday(y, 10)])
    .filter((d) => d > monthAhead)
    .slice(0, 4);
  const firstDate = fc.oneof(
    fc
      .tuple(fc.constantFrom(...dstChanges), fc.integer({ min: -21, max: 0 }))
      .map(([d, offset]) => DateTime.fromISO(d).plus({ days: offset }).toFormat('yyyy-MM-dd')),
    fc.integer({ min: 0, max: 2 * 365 }).map((n) =>
      DateTime.now()
        .plus({ days: 30 + n })
        .toFormat('yyyy-MM-dd'),
    ),
  );
  const wallClock = fc
    .tuple(fc.integer({ min: 7, max: 18 }), fc.integer({ min: 0, max: 11 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m * 5).padStart(2, '0')}`);

  it('keeps the local wall-clock time and weekday of every occurrence, across DST; cancelling the following frees them', async () => {
    await fc.assert(
      fc.asyncProperty(
        firstDate,
        wallClock,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 8 }),
        async (date, time, everyWeeks, count) => {
          const booked = await book(w.practitioner.actor, {
            ...base(),
            start: `${date}T${time}`,
            recurrence: { everyWeeks, count },
          });
          expect(booked.occurrences).toHaveLength(count);
          const first = DateTime.fromISO(`${date}T${time}`, { zone: ZONE });
          const stored = await practitionerAppointments(
            w.centreId,
            w.practitioner.userId,
            booked.start,
            first
              .plus({ weeks: everyWeeks * count })
              .toUTC()
              .toISO()!,
          );
          const series = stored
            .filter((a) => a.seriesId === booked.seriesId)
            .sort((a, b) => a.seriesIndex! - b.seriesIndex!);
          expect(series).toHaveLength(count);
          series.forEach((a, i) => {
            const expected = first.plus({ weeks: i * everyWeeks });
            expect(a.localStart).toBe(`${expected.toFormat('yyyy-MM-dd')}T${time}`);
            expect(DateTime.fromISO(a.start, { zone: ZONE }).toFormat('HH:mm')).toBe(time);
            expect(DateTime.fromISO(a.start, { zone: ZONE }).weekday).toBe(first.weekday);
            expect(a.start).toBe(expected.toUTC().toISO());
            expect(Date.parse(a.end) - Date.parse(a.start)).toBe(30 * 60_000);
          });
          const cancelled = await cancelAppointment(
            w.practitioner.actor,
            booked.appointmentId,
            { version: 1, reason: 'Fin de la série', scope: 'following' },
            origin,
          );
          expect(cancelled.cancelledAppointmentIds.sort()).toEqual(series.map((a) => a.appointmentId).sort());
          // Every occurrence's time is free again.
          const again = await book(w.practitioner.actor, { ...base(), start: series[count - 1]!.localStart });
          await cancelAppointment(
            w.practitioner.actor,
            again.appointmentId,
            { version: 1, reason: 'test', scope: 'occurrence' },
            origin,
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a series is booked whole or not at all, even when it takes several transactions', async () => {
    const first = DateTime.fromISO(`${mondayAhead(8)}T07:00`, { zone: ZONE }).plus({ days: 5 }); // a Saturday
    const blocker = await book(w.practitioner.actor, {
      ...base(),
      start: first.plus({ weeks: 18 }).toFormat("yyyy-MM-dd'T'HH:mm"),
    });
    const before = await snapshot();
    const res = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: { ...base(), start: first.toFormat("yyyy-MM-dd'T'HH:mm"), recurrence: { everyWeeks: 1, count: 20 } },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('slot_taken');
    const diff = diffSnapshots(before, await snapshot());
    const kept = [...diff.added, ...diff.changed].filter(
      (item) => (item as { entity?: string }).entity !== 'AuditEvent',
    );
    expect(kept).toEqual([]);
    expect(diff.removed).toEqual([]);
    // The undo is on record: the part booked, then taken back.
    const actions = diff.added.map((item) => (item as { action?: string }).action).sort();
    expect(actions).toEqual(['appointment.create', 'appointment.undo']);
    expect(blocker.status).toBe('booked');
  });

  it('moves this and the following occurrences to a new day and time, whole or not at all', async () => {
    const tuesday = DateTime.fromISO(`${mondayAhead(20)}T09:00`, { zone: ZONE }).plus({ days: 1 });
    const local = (t: DateTime) => t.toFormat("yyyy-MM-dd'T'HH:mm");
    const series = await book(w.practitioner.actor, {
      ...base(),
      start: local(tuesday),
      recurrence: { everyWeeks: 1, count: 4 },
    });
    const second = series.occurrences![1];
    const thursdayTen = (weeks: number) => tuesday.plus({ weeks, days: 2 }).set({ hour: 10 });

    // Blocked: the fourth occurrence's new time is taken, so nothing moves.
    const blocker = await book(w.practitioner.actor, { ...base(), start: local(thursdayTen(3)) });
    const refused = await call('POST', `/appointments/${second!.appointmentId}/move`, {
      token: w.secretary.token,
      body: { version: 1, start: local(thursdayTen(1)), scope: 'following' },
    });
    expect(refused.status).toBe(409);
    const unchanged = await practitionerAppointments(
      w.centreId,
      w.practitioner.userId,
      series.start,
      tuesday.plus({ weeks: 4 }).toUTC().toISO()!,
    );
    expect(unchanged.filter((a) => a.seriesId === series.seriesId).map((a) => a.localStart)).toEqual(
      [0, 1, 2, 3].map((i) => local(tuesday.plus({ weeks: i }))),
    );

    await cancelAppointment(
      w.practitioner.actor,
      blocker.appointmentId,
      { version: 1, reason: 'x', scope: 'occurrence' },
      origin,
    );
    const moved = await call('POST', `/appointments/${second!.appointmentId}/move`, {
      token: w.secretary.token,
      body: { version: 1, start: local(thursdayTen(1)), scope: 'following' },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.movedAppointmentIds).toHaveLength(3);
    const now = await practitionerAppointments(
      w.centreId,
      w.practitioner.userId,
      series.start,
      thursdayTen(4).toUTC().toISO()!,
    );
    expect(now.filter((a) => a.seriesId === series.seriesId).map((a) => a.localStart)).toEqual([
      local(tuesday),
      local(thursdayTen(1)),
      local(thursdayTen(2)),
      local(thursdayTen(3)),
    ]);
    // The Tuesdays left are free again.
    const freed = await book(w.practitioner.actor, { ...base(), start: local(tuesday.plus({ weeks: 3 })) });
    expect(freed.status).toBe('booked');
  });

  it('pushes a series back by a week and pulls it forward again: occurrences hand their cells to each other', async () => {
    const tuesday = DateTime.fromISO(`${mondayAhead(30)}T09:00`, { zone: ZONE }).plus({ days: 1 });
    const local = (t: DateTime) => t.toFormat("yyyy-MM-dd'T'HH:mm");
    const series = await book(w.practitioner.actor, {
      ...base(),
      start: local(tuesday),
      recurrence: { everyWeeks: 1, count: 4 },
    });
    const pushed = await call('POST', `/appointments/${series.appointmentId}/move`, {
      token: w.practitioner.token,
      body: { version: 1, start: local(tuesday.plus({ weeks: 1 })), scope: 'following' },
    });
    expect(pushed.status, pushed.text).toBe(200);
    const starts = async () =>
      (
        await practitionerAppointments(
          w.centreId,
          w.practitioner.userId,
          series.start,
          tuesday.plus({ weeks: 6 }).toUTC().toISO()!,
        )
      )
        .filter((a) => a.seriesId === series.seriesId)
        .map((a) => a.localStart);
    expect(await starts()).toEqual([1, 2, 3, 4].map((i) => local(tuesday.plus({ weeks: i }))));
    // The first Tuesday is free, the fifth is held.
    expect(
      (
        await book(w.otherPractitioner.actor, {
          practitionerId: w.otherPractitioner.userId,
          patientId: w.otherPatientId,
          appointmentTypeId: typeId,
          start: local(tuesday),
        })
      ).status,
    ).toBe('booked');
    const fifth = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: { ...base(), start: local(tuesday.plus({ weeks: 4 })) },
    });
    expect(fifth.body.code).toBe('slot_taken');
    const back = await call('POST', `/appointments/${series.appointmentId}/move`, {
      token: w.practitioner.token,
      body: { version: 2, start: local(tuesday.plus({ minutes: 15 })), scope: 'following' },
    });
    expect(back.status, back.text).toBe(200);
    expect(await starts()).toEqual([0, 1, 2, 3].map((i) => local(tuesday.plus({ weeks: i, minutes: 15 }))));
    const freed = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: { ...base(), start: local(tuesday.plus({ weeks: 4 })) },
    });
    expect(freed.status).toBe(201);
  });

  it('pages a patient’s upcoming appointments on, even once the first one has started', async () => {
    // A patient of this test alone: the property above books (and cancels) series for the world's.
    const { patientId } = await createPatient(w.practitioner.actor, newPatient({ lastName: 'Paging' }), origin);
    const date = mondayAhead(40);
    const first = await book(w.practitioner.actor, { ...base(), patientId, start: `${date}T09:00` });
    await book(w.practitioner.actor, { ...base(), patientId, start: `${date}T10:00` });
    const { listPatientAppointments } = await import('#functions/agenda/views');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.parse(first.start) - 60_000));
    const page1 = await listPatientAppointments(
      w.practitioner.actor,
      patientId,
      { limit: 1, when: 'upcoming' },
      origin,
      cursors,
    );
    expect(page1.items[0]!.appointmentId).toBe(first.appointmentId);
    vi.setSystemTime(new Date(Date.parse(first.start) + 60_000));
    const page2 = await listPatientAppointments(
      w.practitioner.actor,
      patientId,
      { limit: 1, when: 'upcoming', cursor: page1.nextCursor },
      origin,
      cursors,
    );
    expect(page2.items[0]!.localStart).toBe(`${date}T10:00`);
  });

  it('refuses an occurrence in the hour the clocks skip, and more than 52 occurrences', async () => {
    const skipped = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: {
        ...base(),
        start: `${DateTime.fromISO(dstChanges.find((d) => d.slice(5, 7) === '03')!)
          .minus({ weeks: 1 })
          .toFormat('yyyy-MM-dd')}T02:30`,
        recurrence: { everyWeeks: 1, count: 3 },
      },
    });
    expect(skipped.status).toBe(422);
    expect(skipped.body.code).toBe('nonexistent_local_time');
    const long = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: {
        ...base(),
        start: freshSlot(),
        recurrence: { everyWeeks: 1, until: DateTime.now().plus({ years: 2 }).toFormat('yyyy-MM-dd') },
      },
    });
    expect(long.status).toBe(400);
    expect(long.body.fields[0].field).toBe('body.recurrence');
  });
});

describe('care episodes', () => {
  const bookWith = (token: string, episodeId: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/appointments', { token, body: { ...base(), start: freshSlot(), episodeId, ...extra } });
  const quota = async (episodeId: string) =>
    (await getCareEpisode(w.manager.actor, w.patientId, episodeId, origin)).quotas[0]!;

  it('plans sessions against the quota, refuses beyond it unless a manager or the practitioner overrides', async () => {
    const episode = await newEpisode(w.practitioner.actor, w.patientId, {
      grants: [{ kind: 'individual-30', sessions: 3 }],
    });
    expect((await bookWith(w.secretary.token, episode.episodeId)).status).toBe(201);
    expect((await bookWith(w.practitioner.token, episode.episodeId, { appointmentTypeId: doubleTypeId })).status).toBe(
      201,
    );
    expect(await quota(episode.episodeId)).toEqual({
      kind: 'individual-30',
      granted: 3,
      used: 0,
      planned: 3,
      remaining: 0,
    });

    const before = await snapshot();
    const over = await bookWith(w.secretary.token, episode.episodeId);
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('quota_exhausted');
    expect(over.body.fields[0].field).toBe('body.episodeId');
    const secretaryOverride = await bookWith(w.secretary.token, episode.episodeId, {
      overrideQuota: { reason: 'Urgent' },
    });
    expect(secretaryOverride.status).toBe(403);
    expect(secretaryOverride.body.code).toBe('override_forbidden');
    const colleague = await call('POST', '/appointments', {
      token: w.otherPractitioner.token,
      body: { ...base(), start: freshSlot(), episodeId: episode.episodeId, overrideQuota: { reason: 'x' } },
    });
    expect(colleague.status).toBe(403);
    expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });

    const overridden = await bookWith(w.practitioner.token, episode.episodeId, {
      overrideQuota: { reason: 'Prolongation demandée à la mutualité' },
    });
    expect(overridden.status).toBe(201);
    expect(overridden.body.quotaOverride).toMatchObject({
      by: w.practitioner.userId,
      reason: 'Prolongation demandée à la mutualité',
    });
    expect(await quota(episode.episodeId)).toMatchObject({ planned: 4, remaining: -1 });

    await cancelAppointment(
      w.practitioner.actor,
      overridden.body.appointmentId,
      { version: 1, reason: 'x', scope: 'occurrence' },
      origin,
    );
    expect(await quota(episode.episodeId)).toMatchObject({ planned: 3, remaining: 0 });
  });

  it('the quota holds under concurrency: 10 bookings racing for 3 sessions left → 3 booked', async () => {
    const episode = await newEpisode(w.practitioner.actor, w.patientId, {
      grants: [{ kind: 'individual-30', sessions: 3 }],
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => bookWith(w.practitioner.token, episode.episodeId)),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body.code)).toSatisfy((codes: string[]) =>
      codes.every((c) => c === 'quota_exhausted' || c === 'concurrent_modification'),
    );
    expect(await quota(episode.episodeId)).toMatchObject({ planned: 3, remaining: 0 });
  });

  it('refuses a session after the episode’s expiry or of a kind it does not grant', async () => {
    const episode = await newEpisode(w.practitioner.actor, w.patientId, {
      expiresOn: DateTime.fromISO(mondayAhead(3)).minus({ days: 1 }).toFormat('yyyy-MM-dd'),
    });
    const expired = await bookWith(w.practitioner.token, episode.episodeId);
    expect(expired.body.code).toBe('episode_expired');
    const overridden = await bookWith(w.practitioner.token, episode.episodeId, {
      overrideQuota: { reason: 'Renouvellement en cours' },
    });
    expect(overridden.status).toBe(201);
    const other = await newType(w.manager.actor, { name: 'Groupe', episodeKind: 'group-60', durationMinutes: 60 });
    const wrongKind = await bookWith(w.practitioner.token, episode.episodeId, {
      appointmentTypeId: other.appointmentTypeId,
    });
    expect(wrongKind.body.code).toBe('not_in_episode');
  });

  it('closing a day: done sessions use the quota, no-shows give it back, the 80 % alert is set once', async () => {
    const episode = await newEpisode(w.practitioner.actor, w.patientId, {
      grants: [{ kind: 'individual-30', sessions: 5 }],
    });
    const day = DateTime.fromISO(mondayAhead(10), { zone: ZONE }).plus({ days: 1 });
    const at = (h: number) => day.set({ hour: h }).toFormat("yyyy-MM-dd'T'HH:mm");
    const sessions = [];
    for (const h of [8, 9, 10, 11, 12])
      sessions.push(await book(w.practitioner.actor, { ...base(), start: at(h), episodeId: episode.episodeId }));
    const other = await book(w.otherPractitioner.actor, {
      practitionerId: w.otherPractitioner.userId,
      patientId: w.otherPatientId,
      appointmentTypeId: typeId,
      start: at(9),
    });

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(day.set({ hour: 11, minute: 15 }).toJSDate()); // four sessions have started
    const open = await listOpenSessions(w.practitioner.actor, w.practitioner.userId, { limit: 25 }, origin, cursors);
    expect(open.items.map((a) => a.appointmentId)).toEqual(
      expect.arrayContaining(sessions.slice(0, 4).map((s) => s.appointmentId)),
    );
    expect(open.items.map((a) => a.appointmentId)).not.toContain(sessions[4]!.appointmentId);

    const closed = await closeDay(
      w.practitioner.actor,
      w.practitioner.userId,
      day.toFormat('yyyy-MM-dd'),
      { noShowIds: [sessions[3]!.appointmentId] },
      origin,
    );
    expect(closed.done.sort()).toEqual(
      sessions
        .slice(0, 3)
        .map((s) => s.appointmentId)
        .sort(),
    );
    expect(closed.noShow).toEqual([sessions[3]!.appointmentId]);
    expect(closed.remaining).toBe(1);
    expect(closed.alerts).toEqual([]);
    expect(await quota(episode.episodeId)).toEqual({
      kind: 'individual-30',
      granted: 5,
      used: 3,
      planned: 1,
      remaining: 1,
    });

    vi.setSystemTime(day.set({ hour: 13 }).toJSDate());
    const rest = await closeDay(w.practitioner.actor, w.practitioner.userId, day.toFormat('yyyy-MM-dd'), {}, origin);
    expect(rest.done).toEqual([sessions[4]!.appointmentId]);
    expect(rest.alerts).toEqual([{ episodeId: episode.episodeId, patientId: w.patientId, usedPercent: 80 }]);
    const after = await getCareEpisode(w.manager.actor, w.patientId, episode.episodeId, origin);
    expect(after.alert).toMatchObject({ usedPercent: 80 });
    expect(after.usedPercent).toBe(80);
    // The other practitioner's session of that day is not theirs to close, and stays open.
    const stillOpen = await listOpenSessions(
      w.otherPractitioner.actor,
      w.otherPractitioner.userId,
      { limit: 25 },
      origin,
      cursors,
    );
    expect(stillOpen.items.map((a) => a.appointmentId)).toContain(other.appointmentId);
    const again = await closeDay(w.practitioner.actor, w.practitioner.userId, day.toFormat('yyyy-MM-dd'), {}, origin);
    expect(again).toEqual({ done: [], noShow: [], remaining: 0, alerts: [] });
  });
});
