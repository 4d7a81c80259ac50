import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { cancelAppointment, moveAppointment } from '#functions/agenda/appointments';
import { findAppointment } from '#functions/agenda/repository';
import { reminderPlanner } from '#functions/reminders/planner';
import { bucketOf } from '#functions/reminders/planning';
import { mondayAhead, newType } from '../agenda/fixtures';
import { call } from '../support/api';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, type CentreWorld, origin } from '../support/world';
import {
  bookWithReminders,
  freshEmail,
  freshPhone,
  reminderPatient,
  remindersOf,
  runDispatch,
  setReminderRules,
} from './fixtures';

/**
 * The agenda's transactions carry the reminders (the ReminderPlanner port, functions/reminders/
 * planner.ts, wired by the agenda's function entry): a booking plans them in the due index and
 * keeps their keys on the appointment; a move withdraws them (out of the due index, on record) and
 * plans new ones for the new time; a cancellation withdraws them; a series taken back leaves none.
 * Read from the table as stored (the raw items, index attributes included).
 */
const ZONE = 'Europe/Brussels';
let w: CentreWorld;
let typeId: string;
let patientId: string;
let nextWeek = 4;
const freshTuesday = () => DateTime.fromISO(mondayAhead(nextWeek++), { zone: ZONE }).plus({ days: 1 });
const local = (day: DateTime, time: string) => `${day.toFormat('yyyy-MM-dd')}T${time}`;

beforeAll(async () => {
  w = await buildCentre('Planner');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
  patientId = (await reminderPatient(w.practitioner.actor, { phone: freshPhone(), email: freshEmail() })).patientId;
  // Two reminders per appointment: an e-mail two days before at 18:00, the patient's SMS the day before at 12:00.
  await setReminderRules(w.manager.actor, {
    rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '18:00' } }],
  });
});

type Raw = Record<string, unknown> & { pk: string; sk: string };
/** The reminder items of an appointment exactly as stored, by sort key. */
async function rawReminders(appointmentId: string): Promise<Raw[]> {
  const all = [...(await snapshot()).values()] as Raw[];
  return all.filter((i) => i.entity === 'Reminder' && i.appointmentId === appointmentId);
}
const inDueIndex = (r: Raw) => typeof r.gsi1pk === 'string';
/** The due instants, local, of the reminders of an appointment starting at `start` (the rules above). */
const expectedDue = (start: string) => {
  const t = DateTime.fromISO(start, { zone: ZONE });
  return [
    t.minus({ days: 2 }).set({ hour: 18, minute: 0 }).toUTC().toISO(),
    t.minus({ days: 1 }).set({ hour: 12, minute: 0 }).toUTC().toISO(),
  ];
};
const book = (start: string, extra: Record<string, unknown> = {}) =>
  bookWithReminders(w.practitioner.actor, {
    practitionerId: w.practitioner.userId,
    patientId,
    appointmentTypeId: typeId,
    start,
    ...extra,
  });

describe('a booking', () => {
  it('plans its reminders in the due index, in the same transaction, and keeps their keys on the appointment', async () => {
    const a = await book(local(freshTuesday(), '10:00'));
    const stored = await findAppointment(w.centreId, a.appointmentId);
    const items = await rawReminders(a.appointmentId);
    expect(items.map((r) => r.dueAt).sort()).toEqual(expectedDue(a.start));
    expect(stored!.plannedReminders?.sort()).toEqual(items.map((r) => r.sk).sort());
    for (const r of items) {
      expect(r).toMatchObject({
        status: 'pending',
        appointmentStart: a.start,
        patientId,
        practitionerId: w.practitioner.userId,
        timeZone: ZONE,
      });
      expect(r.sk).toMatch(/^REMINDER#000000#/);
      expect(r.gsi1pk).toMatch(new RegExp(`^REMINDERS#${bucketOf(r.dueAt as string)}#[0-7]$`));
      expect(String(r.gsi1sk).startsWith(`${r.dueAt as string}#`)).toBe(true);
      expect(r.withdrawnAt).toBeUndefined();
    }
  });
});

describe('a move', () => {
  it('withdraws the reminders planned for the old time and plans new ones for the new time', async () => {
    const day = freshTuesday();
    const a = await book(local(day, '10:00'));
    const before = await rawReminders(a.appointmentId);
    const moved = await moveAppointment(
      w.practitioner.actor,
      a.appointmentId,
      { version: a.version, start: local(day.plus({ days: 2 }), '15:30'), scope: 'occurrence' },
      origin,
      reminderPlanner,
    );

    const after = await rawReminders(a.appointmentId);
    const old = after.filter((r) => before.some((b) => b.sk === r.sk));
    const fresh = after.filter((r) => !before.some((b) => b.sk === r.sk));
    expect(old).toHaveLength(2);
    for (const r of old) {
      expect(r.withdrawnAt).toEqual(expect.any(String));
      expect(inDueIndex(r)).toBe(false);
      expect(r).toMatchObject({ status: 'pending', appointmentStart: a.start });
    }
    expect(fresh.map((r) => r.dueAt).sort()).toEqual(expectedDue(moved.start));
    for (const r of fresh) {
      expect(inDueIndex(r)).toBe(true);
      expect(r).toMatchObject({ status: 'pending', appointmentStart: moved.start });
      expect(r.withdrawnAt).toBeUndefined();
    }
    expect((await findAppointment(w.centreId, a.appointmentId))!.plannedReminders?.sort()).toEqual(
      fresh.map((r) => r.sk).sort(),
    );
    // Dispatched at the old due times: nothing; the messages list shows only the new plan.
    for (const r of old) await runDispatch(new Date(Date.parse(r.dueAt as string) + 60_000));
    expect((await remindersOf(w.centreId, a.appointmentId)).filter((r) => r.messageId)).toEqual([]);
    const messages = await call('GET', `/appointments/${a.appointmentId}/messages`, { token: w.manager.token });
    expect(messages.status).toBe(200);
    expect(
      (messages.body.items as { status: string; appointmentStart: string }[]).map((m) => [
        m.status,
        m.appointmentStart,
      ]),
    ).toEqual([
      ['planned', moved.start],
      ['planned', moved.start],
    ]);
  });

  it('after a reminder was sent: the message stays on record for the old time, both rules are planned again for the new time', async () => {
    const day = freshTuesday();
    const a = await book(local(day, '10:00'));
    const [email] = (await rawReminders(a.appointmentId)).sort((x, y) =>
      String(x.dueAt).localeCompare(String(y.dueAt)),
    );
    await runDispatch(new Date(Date.parse(email!.dueAt as string) + 60_000));
    const answer = await call('POST', `/appointments/${a.appointmentId}/move`, {
      token: w.practitioner.token,
      body: { version: a.version, start: local(day, '16:00'), scope: 'occurrence' },
    });
    expect(answer.status, answer.text).toBe(200);

    const after = await rawReminders(a.appointmentId);
    // The message sent stays as it was: accepted, for the time it announced.
    expect(after.find((r) => r.sk === email!.sk)).toMatchObject({
      status: 'accepted',
      appointmentStart: a.start,
      messageId: expect.any(String),
    });
    // Planned again for the new time: both rules (planning is judged against the real clock, weeks before).
    const waiting = after.filter((r) => inDueIndex(r));
    expect(waiting.map((r) => [r.status, r.appointmentStart, r.dueAt]).sort()).toEqual(
      expectedDue(answer.body.start)
        .map((due) => ['pending', answer.body.start, due])
        .sort(),
    );
    expect(after.filter((r) => r.status === 'pending' && !r.withdrawnAt)).toEqual(waiting);
    const messages = await call('GET', `/appointments/${a.appointmentId}/messages`, { token: w.manager.token });
    expect(
      (messages.body.items as { status: string; appointmentStart: string }[])
        .map((m) => `${m.status} ${m.appointmentStart}`)
        .sort(),
    ).toEqual([`accepted ${a.start}`, `planned ${answer.body.start}`, `planned ${answer.body.start}`].sort());
  });
});

describe('a cancellation', () => {
  it('withdraws every reminder still planned (through the API, as the agenda function wires the planner)', async () => {
    const a = await book(local(freshTuesday(), '11:00'));
    const answer = await call('POST', `/appointments/${a.appointmentId}/cancel`, {
      token: w.secretary.token,
      body: { version: a.version, reason: 'patient ill', scope: 'occurrence' },
    });
    expect(answer.status, answer.text).toBe(200);
    const items = await rawReminders(a.appointmentId);
    expect(items).toHaveLength(2);
    for (const r of items) {
      expect(r.withdrawnAt).toEqual(expect.any(String));
      expect(inDueIndex(r)).toBe(false);
    }
    expect((await findAppointment(w.centreId, a.appointmentId))!.plannedReminders ?? []).toEqual([]);
    for (const r of items) await runDispatch(new Date(Date.parse(r.dueAt as string) + 60_000));
    expect((await remindersOf(w.centreId, a.appointmentId)).filter((r) => r.messageId)).toEqual([]);
  });

  it('of a series from an occurrence on withdraws the reminders of each cancelled occurrence only', async () => {
    const first = freshTuesday();
    nextWeek += 4;
    const series = await book(local(first, '08:00'), { recurrence: { everyWeeks: 1, count: 4 } });
    const ids = series.occurrences!.map((o) => o.appointmentId);
    const third = await findAppointment(w.centreId, ids[2]!);
    await cancelAppointment(
      w.practitioner.actor,
      ids[2]!,
      { version: third!.version, reason: 'holidays', scope: 'following' },
      origin,
      reminderPlanner,
    );
    for (const [i, id] of ids.entries()) {
      const items = await rawReminders(id);
      expect(items).toHaveLength(2);
      expect(items.every((r) => (i < 2 ? inDueIndex(r) && !r.withdrawnAt : !inDueIndex(r) && !!r.withdrawnAt))).toBe(
        true,
      );
    }
  });
});

describe('a series', () => {
  it('booked whole or not at all leaves no reminder behind when a later occurrence is refused', async () => {
    // Twenty Saturdays at 07:00 (no other test books then): with their cells and reminders, more
    // than one transaction; the 18th is taken, so the first transaction is undone.
    const first = DateTime.fromISO(`${mondayAhead(60)}T07:00`, { zone: ZONE }).plus({ days: 5 });
    const blocker = await book(first.plus({ weeks: 18 }).toFormat("yyyy-MM-dd'T'HH:mm"));
    const before = await snapshot();
    const refused = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: {
        practitionerId: w.practitioner.userId,
        patientId,
        appointmentTypeId: typeId,
        start: first.toFormat("yyyy-MM-dd'T'HH:mm"),
        recurrence: { everyWeeks: 1, count: 20 },
      },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('slot_taken');
    const diff = diffSnapshots(before, await snapshot());
    expect([...diff.added, ...diff.changed.map((c) => c.after)].filter((i) => i.entity !== 'AuditEvent')).toEqual([]);
    expect(diff.removed).toEqual([]);
    // The first transaction was committed (with its reminders), then taken back.
    expect(diff.added.map((i) => i.action).sort()).toEqual(['appointment.create', 'appointment.undo']);
    expect(await rawReminders(blocker.appointmentId)).toHaveLength(2);
  });

  it('moved from an occurrence on, refused: every occurrence keeps one plan of reminders for its unchanged time', async () => {
    const tuesday = DateTime.fromISO(`${mondayAhead(70)}T09:00`, { zone: ZONE }).plus({ days: 1 });
    const series = await book(tuesday.toFormat("yyyy-MM-dd'T'HH:mm"), { recurrence: { everyWeeks: 1, count: 4 } });
    const ids = series.occurrences!.map((o) => o.appointmentId);
    // The fourth occurrence's new time is taken: the move of the 2nd to 4th is refused whole.
    const thursdayTen = (weeks: number) => tuesday.plus({ weeks, days: 2 }).set({ hour: 10 });
    await book(thursdayTen(3).toFormat("yyyy-MM-dd'T'HH:mm"));
    const refused = await call('POST', `/appointments/${ids[1]}/move`, {
      token: w.practitioner.token,
      body: { version: 1, start: thursdayTen(1).toFormat("yyyy-MM-dd'T'HH:mm"), scope: 'following' },
    });
    expect(refused.status).toBe(409);

    for (const [i, id] of ids.entries()) {
      const stored = await findAppointment(w.centreId, id);
      const start = tuesday.plus({ weeks: i }).toUTC().toISO()!;
      expect(stored!.start).toBe(start);
      const items = await rawReminders(id);
      const waiting = items.filter((r) => inDueIndex(r));
      expect(waiting.map((r) => r.dueAt).sort(), `occurrence ${i}`).toEqual(expectedDue(start));
      expect(waiting.every((r) => r.status === 'pending' && !r.withdrawnAt && r.appointmentStart === start)).toBe(true);
      expect(stored!.plannedReminders?.sort()).toEqual(waiting.map((r) => r.sk).sort());
      // Anything else planned on the way is withdrawn.
      expect(items.filter((r) => !inDueIndex(r)).every((r) => !!r.withdrawnAt)).toBe(true);
    }
  });
});
