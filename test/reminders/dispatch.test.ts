import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cancelAppointment, createAppointment, moveAppointment } from '#functions/agenda/appointments';
import { reminders } from '#functions/reminders/context';
import { handler as jobs } from '#functions/reminders/jobs';
import { reminderPlanner } from '#functions/reminders/planner';
import * as repository from '#functions/reminders/repository';
import { messageView, noticesPage, smsCounterLookup, type StoredReminder } from '#functions/reminders/repository';
import { updateReminderPreferences } from '#functions/reminders/service';
import type { Actor } from '#shared/access/actor';
import { batchLookup } from '#shared/db/table';
import type { ScheduleResult } from '#shared/jobs/pipeline';
import { smsSender } from '#shared/messaging/sms';
import { lambdaContext } from '../../scripts/local/http-adapter';
import { scheduledEvent } from '../../scripts/local/jobs';
import { mondayAhead } from '../agenda/fixtures';
import { call } from '../support/api';
import { sentEmails } from '../support/outbox';
import { origin } from '../support/world';
import {
  bookFor,
  freshEmail,
  patientBooked,
  reminderCentre as centre,
  type ReminderCentre as Setup,
  freshPhone,
  reminderPatient,
  remindersOf,
  remindersSentTo,
  runDispatch,
} from './fixtures';

/**
 * The dispatcher (schedule `reminders-dispatch`) on DynamoDB Local, through `runDispatch` and the
 * deployed jobs handler: exactly once whatever the number of runs and deliveries, what a crash or a
 * provider's silence leaves, catching up after an outage, the cost guard and the patient's choices.
 * Runs are started "in the future" (the schedule's intended time is the job's now), at the times
 * reminders planned by real bookings are due. Each test books on days of its own (`freshTuesday`),
 * so no test's reminders are due in another's runs.
 */
const ZONE = 'Europe/Brussels';
const MINUTE = 60_000;
const schedule = reminders.jobs.schedules[0];

let nextWeek = 4;
/** A Tuesday no other test of this file books on (local, Europe/Brussels). */
const freshTuesday = () => DateTime.fromISO(mondayAhead(nextWeek++), { zone: ZONE }).plus({ days: 1 });
const local = (day: DateTime, time: string) => `${day.toFormat('yyyy-MM-dd')}T${time}`;
const plus = (instant: string, minutes: number) => new Date(Date.parse(instant) + minutes * MINUTE);

/** The schedule's event, delivered to the deployed jobs handler. */
const deliver = async (event: ReturnType<typeof scheduledEvent>) =>
  (await jobs(event, lambdaContext('centrum-reminders-jobs', randomUUID()))) as ScheduleResult;
const sentIn = (runs: ScheduleResult[]) => runs.reduce((n, r) => n + Number(r.summary.sent), 0);

/** The one reminder of an appointment planned by `ruleKey` (the patient's own by default). */
async function reminderOf(s: Setup, appointmentId: string, ruleKey = 'patient'): Promise<StoredReminder> {
  const found = (await remindersOf(s.w.centreId, appointmentId)).filter((r) => r.ruleKey === ruleKey);
  expect(found, `${ruleKey} reminders of ${appointmentId}`).toHaveLength(1);
  return found[0]!;
}

const notices = async (centreId: string) =>
  (await noticesPage(centreId, 100)).items as unknown as { kind: string; appointmentId?: string; patientId?: string }[];
const managerNotices = (s: Setup) =>
  sentEmails().filter((e) => e.to === s.w.manager.email && e.kind === 'reminder-notice');
const smsCounted = async (centreId: string, at: Date) =>
  (await batchLookup(smsCounterLookup(centreId, at.toISOString().slice(0, 7))))[0];

afterEach(() => vi.restoreAllMocks());

describe('exactly once', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await centre('Exactly once');
  });

  it('the same scheduled event delivered three times sends each due reminder once', async () => {
    const day = freshTuesday();
    const booked = await Promise.all(['09:00', '09:30', '10:00'].map((t) => patientBooked(s, local(day, t))));
    const planned = await Promise.all(booked.map((b) => reminderOf(s, b.appointment.appointmentId)));
    // The patient's default: an SMS the day before at 12:00, the same instant for the three.
    expect(new Set(planned.map((r) => r.dueAt)).size).toBe(1);
    expect(planned.map((r) => r.channel)).toEqual(['sms', 'sms', 'sms']);

    const event = scheduledEvent(schedule, plus(planned[0]!.dueAt, 2));
    const runs = await Promise.all([deliver(event), deliver(event)]);
    runs.push(await deliver(event));

    expect(runs.map((r) => r.outcome)).toEqual(['done', 'done', 'done']);
    expect(sentIn(runs)).toBe(3);
    for (const b of booked) {
      expect(remindersSentTo(b.phone!)).toHaveLength(1);
      expect(remindersSentTo(b.email!)).toEqual([]);
      expect(await reminderOf(s, b.appointment.appointmentId)).toMatchObject({
        status: 'accepted',
        channel: 'sms',
        recipient: b.phone,
        attempt: 1,
      });
    }
  });

  it('dispatchers racing, at the same and at slightly different times, send each due reminder once', async () => {
    const day = freshTuesday();
    // Four patients; the last two asked for their own reminder by e-mail.
    const reach = [0, 1, 2, 3].map(() => ({ phone: freshPhone(), email: freshEmail() }));
    const patients = await Promise.all(reach.map((r) => reminderPatient(s.w.practitioner.actor, r)));
    for (const p of patients.slice(2))
      await updateReminderPreferences(
        s.w.manager.actor,
        p.patientId,
        { version: 0, timing: null, channel: 'email', optOut: { sms: false, email: false } },
        origin,
      );
    const booked = await Promise.all(
      ['09:00', '09:30', '10:00', '10:30'].map(async (t, i) => ({
        ...reach[i]!,
        appointment: await bookFor(s, patients[i]!.patientId, local(day, t)),
      })),
    );
    const due = (await reminderOf(s, booked[0]!.appointment.appointmentId)).dueAt;
    expect((await reminderOf(s, booked[3]!.appointment.appointmentId)).channel).toBe('email');

    const runs = await Promise.all([
      runDispatch(plus(due, 1)),
      runDispatch(plus(due, 1)),
      runDispatch(plus(due, 2)),
      deliver(scheduledEvent(schedule, plus(due, 4))).then((r) => r.summary),
      runDispatch(plus(due, 6)),
    ]);

    expect(runs.reduce((n, r) => n + Number(r.sent), 0)).toBe(4);
    for (const [i, b] of booked.entries()) {
      const channel = i < 2 ? 'sms' : 'email';
      expect(remindersSentTo(b.phone!)).toHaveLength(channel === 'sms' ? 1 : 0);
      expect(remindersSentTo(b.email!)).toHaveLength(channel === 'email' ? 1 : 0);
      expect(await reminderOf(s, b.appointment.appointmentId)).toMatchObject({
        status: 'accepted',
        channel,
        attempt: 1,
      });
    }
  });
});

describe('when the outcome of a send is not known', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await centre('Unknown outcomes');
  });

  /**
   * A crash between the provider's acceptance and the status write. Done for real: the module's
   * `recordSendOutcome` (called by the dispatcher through its module namespace) is spied on to fail
   * for this reminder's item — as DynamoDB being unreachable, or the function dying — so the SMS is
   * sent (it is in the outbox) and nothing is recorded after the claim; the run counts it apart
   * (`unrecorded`) and goes on — a function dying there leaves the same item. Then the schedule's
   * retry and later runs come.
   */
  it('a crash after the provider accepted leaves the message sending, never sent again, shown unconfirmed after 15 minutes', async () => {
    const b = await patientBooked(s, local(freshTuesday(), '09:00'));
    const planned = await reminderOf(s, b.appointment.appointmentId);
    const record = repository.recordSendOutcome;
    const spy = vi.spyOn(repository, 'recordSendOutcome').mockImplementation(async (key, messageId, outcome) => {
      if (key.sk === planned.sk) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
      return record(key, messageId, outcome);
    });
    const at = plus(planned.dueAt, 1);
    // The record fails after the provider accepted: the run goes on, the message stays `sending`.
    expect(await runDispatch(at)).toMatchObject({ sent: 0, unrecorded: 1 });
    expect(spy).toHaveBeenCalled();
    expect(remindersSentTo(b.phone!)).toHaveLength(1);
    spy.mockRestore();

    const retried = await deliver(scheduledEvent(schedule, at)); // the schedule's retry of the same run
    const later = [await runDispatch(plus(planned.dueAt, 5)), await runDispatch(plus(planned.dueAt, 60))];
    expect(retried.outcome).toBe('done');
    expect([retried.summary, ...later].map((r) => r.sent)).toEqual([0, 0, 0]);
    expect(remindersSentTo(b.phone!)).toHaveLength(1);

    const stored = await reminderOf(s, b.appointment.appointmentId);
    expect(stored).toMatchObject({ status: 'sending', attempt: 1, claimedAt: at.toISOString() });
    expect(stored.providerMessageId).toBeUndefined();
    const claimed = Date.parse(stored.claimedAt!);
    expect(messageView(stored, claimed + 14 * MINUTE).status).toBe('sending');
    expect(messageView(stored, claimed + 16 * MINUTE)).toMatchObject({
      status: 'unconfirmed',
      messageId: stored.messageId,
      channel: 'sms',
    });
  });

  it('a provider timeout or 5xx is recorded unconfirmed, counted, never sent again and not reported as a failure', async () => {
    const day = freshTuesday();
    const [timedOut, serverError, fine] = await Promise.all(
      ['09:00', '09:30', '10:00'].map((t) => patientBooked(s, local(day, t))),
    );
    const errors = new Map<string, Error>([
      [timedOut!.phone!, Object.assign(new Error('Request timed out'), { name: 'TimeoutError', $metadata: {} })],
      [
        serverError!.phone!,
        Object.assign(new Error('Internal failure'), {
          name: 'InternalErrorException',
          $fault: 'server',
          $metadata: { httpStatusCode: 500, attempts: 1 },
        }),
      ],
    ]);
    const sender = smsSender();
    const send = sender.send.bind(sender);
    const spy = vi
      .spyOn(sender, 'send')
      .mockImplementation(async (sms) => (errors.has(sms.to) ? Promise.reject(errors.get(sms.to)) : send(sms)));
    const due = (await reminderOf(s, fine!.appointment.appointmentId)).dueAt;
    const counted = (await smsCounted(s.w.centreId, plus(due, 1))) ?? 0;

    const first = await runDispatch(plus(due, 1));
    await runDispatch(plus(due, 1));
    await runDispatch(plus(due, 30));
    const tried = (phone: string) => spy.mock.calls.filter(([sms]) => sms.to === phone).length;
    expect(first).toMatchObject({ sent: 1, unknown: 2, failed: 0 });
    expect([tried(timedOut!.phone!), tried(serverError!.phone!), tried(fine!.phone!)]).toEqual([1, 1, 1]);

    for (const [b, reason] of [
      [timedOut!, 'TimeoutError'],
      [serverError!, 'InternalErrorException'],
    ] as const) {
      expect(await reminderOf(s, b.appointment.appointmentId)).toMatchObject({ status: 'unconfirmed', reason });
      const messages = await call('GET', `/appointments/${b.appointment.appointmentId}/messages`, {
        token: s.w.manager.token,
      });
      expect(messages.body.items).toEqual([expect.objectContaining({ status: 'unconfirmed', channel: 'sms' })]);
    }
    // They may have been sent: counted against the month's cap; no failure notice.
    expect(await smsCounted(s.w.centreId, plus(due, 1))).toBe(counted + 3);
    expect((await notices(s.w.centreId)).filter((n) => n.kind === 'message_failed')).toEqual([]);
  });

  it('a send the provider refused (4xx) is failed, given back to the cap, and the centre is told', async () => {
    const day = freshTuesday();
    const [refused, fine] = await Promise.all(['09:00', '09:30'].map((t) => patientBooked(s, local(day, t))));
    const sender = smsSender();
    const send = sender.send.bind(sender);
    vi.spyOn(sender, 'send').mockImplementation(async (sms) =>
      sms.to === refused!.phone
        ? Promise.reject(
            Object.assign(new Error('Invalid parameter: PhoneNumber'), {
              name: 'InvalidParameterException',
              $fault: 'client',
              $metadata: { httpStatusCode: 400, attempts: 1 },
            }),
          )
        : send(sms),
    );
    const due = (await reminderOf(s, refused!.appointment.appointmentId)).dueAt;
    const counted = (await smsCounted(s.w.centreId, plus(due, 1))) ?? 0;
    const emailsBefore = managerNotices(s).length;

    const run = await runDispatch(plus(due, 1));
    await runDispatch(plus(due, 8));

    expect(run).toMatchObject({ sent: 1, failed: 1 });
    expect(await reminderOf(s, refused!.appointment.appointmentId)).toMatchObject({
      status: 'failed',
      reason: 'rejected: InvalidParameterException',
      attempt: 1,
    });
    expect(await smsCounted(s.w.centreId, plus(due, 1))).toBe(counted + 1);
    const answer = await call('GET', '/reminders/notices', { token: s.w.manager.token });
    expect(answer.status).toBe(200);
    expect(
      (answer.body.items as { kind: string; appointmentId?: string }[]).filter(
        (n) => n.appointmentId === refused!.appointment.appointmentId,
      ),
    ).toEqual([
      expect.objectContaining({
        kind: 'message_failed',
        appointmentId: refused!.appointment.appointmentId,
        patientId: refused!.patientId,
      }),
    ]);
    expect(managerNotices(s)).toHaveLength(emailsBefore + 1);
    expect(remindersSentTo(refused!.phone!)).toEqual([]);
    expect(remindersSentTo(fine!.phone!)).toHaveLength(1);
  });
});

describe('bookings, moves and cancellations, then the schedule (fast-check)', () => {
  let s: Setup;
  let runIndex = 0;
  beforeAll(async () => {
    s = await centre('Property', {
      rules: [
        { channel: 'sms', timing: { kind: 'daysBefore', days: 2, at: '18:00' } },
        { channel: 'email', timing: { kind: 'hoursBefore', hours: 3 } },
      ],
      sms: { monthlyCap: 100_000, perPhoneDailyLimit: 20 },
    });
  });

  type Op =
    | { kind: 'book'; patient: number; slot: number }
    | { kind: 'move'; appointment: number; slot: number }
    | { kind: 'cancel'; appointment: number };
  const SLOTS = 6;
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      arbitrary: fc.record({ kind: fc.constant('book' as const), patient: fc.nat(2), slot: fc.nat(SLOTS - 1) }),
      weight: 3,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('move' as const), appointment: fc.nat(), slot: fc.nat(SLOTS - 1) }),
      weight: 2,
    },
    { arbitrary: fc.record({ kind: fc.constant('cancel' as const), appointment: fc.nat() }), weight: 1 },
  );
  /** Six slots (day of the week, half hour from 07:00 to 19:30) of one week. */
  const slots = fc.uniqueArray(fc.tuple(fc.nat(5), fc.integer({ min: 14, max: 39 })), {
    minLength: SLOTS,
    maxLength: SLOTS,
    selector: ([d, h]) => `${d}-${h}`,
  });

  const ceilTo5 = (instant: string) => Math.ceil(Date.parse(instant) / (5 * MINUTE)) * 5 * MINUTE;

  it('no reminder is sent twice, none for a cancelled appointment or a time moved away from, each within 10 minutes of its time', async () => {
    await fc.assert(
      fc.asyncProperty(slots, fc.array(op, { minLength: 1, maxLength: 7 }), async (slotPicks, ops) => {
        // Each run books in a week of its own, ahead of the previous runs (the cursor moves forward).
        const monday = DateTime.fromISO(mondayAhead(30 + runIndex++), { zone: ZONE });
        const starts = slotPicks.map(([d, h]) =>
          monday
            .plus({ days: d })
            .set({ hour: Math.floor(h / 2), minute: (h % 2) * 30 })
            .toFormat("yyyy-MM-dd'T'HH:mm"),
        );
        const patients = await Promise.all(
          [0, 1, 2].map(async () => {
            const reach = { phone: freshPhone(), email: freshEmail() };
            return { ...reach, patientId: (await reminderPatient(s.w.practitioner.actor, reach)).patientId };
          }),
        );
        const actor: Actor = s.w.practitioner.actor;
        const model: { id: string; patient: number; slot: number; start: string; version: number; live: boolean }[] =
          [];
        const occupied = (slot: number) => model.some((a) => a.live && a.slot === slot);
        for (const o of ops) {
          const live = model.filter((a) => a.live);
          if (o.kind === 'book') {
            if (occupied(o.slot)) continue;
            const a = await createAppointment(
              actor,
              {
                practitionerId: s.w.practitioner.userId,
                patientId: patients[o.patient]!.patientId,
                appointmentTypeId: s.typeId,
                start: starts[o.slot]!,
              } as Parameters<typeof createAppointment>[1],
              origin,
              reminderPlanner,
            );
            model.push({
              id: a.appointmentId,
              patient: o.patient,
              slot: o.slot,
              start: a.start,
              version: a.version,
              live: true,
            });
          } else if (o.kind === 'move') {
            const a = live[o.appointment % Math.max(live.length, 1)];
            if (!a || occupied(o.slot)) continue;
            const moved = await moveAppointment(
              actor,
              a.id,
              { version: a.version, start: starts[o.slot]!, scope: 'occurrence' },
              origin,
              reminderPlanner,
            );
            Object.assign(a, { slot: o.slot, start: moved.start, version: moved.version });
          } else {
            const a = live[o.appointment % Math.max(live.length, 1)];
            if (!a) continue;
            await cancelAppointment(
              actor,
              a.id,
              { version: a.version, reason: 'property', scope: 'occurrence' },
              origin,
              reminderPlanner,
            );
            a.live = false;
          }
        }

        const before = (await Promise.all(model.map((a) => remindersOf(s.w.centreId, a.id)))).flat();
        const waiting = before.filter((r) => r.status === 'pending' && !r.withdrawnAt);
        // The schedule's runs that matter (every 5 minutes, on the grid): the first at or after each
        // due time, and the one after it.
        const runs = [...new Set(waiting.flatMap((r) => [ceilTo5(r.dueAt), ceilTo5(r.dueAt) + 5 * MINUTE]))].sort(
          (a, b) => a - b,
        );
        for (const t of runs) await runDispatch(new Date(t));

        const after = (await Promise.all(model.map((a) => remindersOf(s.w.centreId, a.id)))).flat();
        const claimed = after.filter((r) => r.messageId);
        for (const r of claimed) {
          const a = model.find((x) => x.id === r.appointmentId)!;
          expect(a.live, 'sent for a cancelled appointment').toBe(true);
          expect(r.appointmentStart, 'sent for a time moved away from').toBe(a.start);
          expect(r).toMatchObject({ status: 'accepted', attempt: 1 });
          const late = Date.parse(r.claimedAt!) - Date.parse(r.dueAt);
          expect(late).toBeGreaterThanOrEqual(0);
          expect(late).toBeLessThanOrEqual(10 * MINUTE);
        }
        // Every reminder still planned for a live appointment was sent, once.
        for (const r of waiting) {
          const a = model.find((x) => x.id === r.appointmentId)!;
          expect(a.live && r.appointmentStart === a.start, 'a reminder planned for an old state').toBe(true);
          expect(after.find((x) => x.sk === r.sk && x.pk === r.pk)?.status).toBe('accepted');
        }
        expect(claimed).toHaveLength(waiting.length);
        // The outbox agrees: each patient got exactly the messages on record.
        for (const [i, p] of patients.entries()) {
          const theirs = claimed.filter((r) => model.find((a) => a.id === r.appointmentId)!.patient === i);
          expect(remindersSentTo(p.phone)).toHaveLength(theirs.filter((r) => r.channel === 'sms').length);
          expect(remindersSentTo(p.email)).toHaveLength(theirs.filter((r) => r.channel === 'email').length);
        }
      }),
      { numRuns: 8 },
    );
    // Each run queries every hour × shard since the last one (up to 25 × 8): some inputs cost more.
  }, 180_000);
});

describe('catching up after an outage', () => {
  it('sends reminders due hours ago only while the appointment is at least minLeadMinutes ahead; the others are skipped too_late', async () => {
    const s = await centre('Catch-up', {
      rules: [
        { channel: 'sms', timing: { kind: 'hoursBefore', hours: 6 } },
        { channel: 'sms', timing: { kind: 'hoursBefore', hours: 3 } },
      ],
      patientPreference: 'ignore',
      catchUp: { minLeadMinutes: 120 },
    });
    // Far ahead of every other test's runs (the dispatcher's cursor is one for the table).
    const day = DateTime.fromISO(mondayAhead(150), { zone: ZONE }).plus({ days: 1 });
    const [soon, atTheLimit, later] = await Promise.all(
      ['13:30', '14:00', '17:00'].map((t) => patientBooked(s, local(day, t))),
    );
    const noon = DateTime.fromISO(local(day, '12:00'), { zone: ZONE }).toJSDate();
    const lastRun = await deliver(scheduledEvent(schedule, new Date(noon.getTime() - 6 * 60 * MINUTE)));
    expect(lastRun.summary.due).toBe(0);

    // No run for six hours; then the schedule resumes at 12:00.
    const resumed = await deliver(scheduledEvent(schedule, noon));
    expect(resumed.summary).toMatchObject({ due: 5, sent: 3, skipped: 2 });
    for (const r of await remindersOf(s.w.centreId, soon!.appointment.appointmentId))
      expect(r).toMatchObject({ status: 'skipped', reason: 'too_late' }); // 90 minutes ahead < 120
    for (const r of await remindersOf(s.w.centreId, atTheLimit!.appointment.appointmentId))
      expect(r).toMatchObject({ status: 'accepted' }); // 120 minutes ahead: still sent
    const laterOnes = (await remindersOf(s.w.centreId, later!.appointment.appointmentId)).sort((a, b) =>
      a.dueAt.localeCompare(b.dueAt),
    );
    expect(laterOnes.map((r) => r.status)).toEqual(['accepted', 'pending']); // the 3-hour one is not due yet
    expect(remindersSentTo(soon!.phone!)).toEqual([]);
    expect(remindersSentTo(atTheLimit!.phone!)).toHaveLength(2);
    expect(remindersSentTo(later!.phone!)).toHaveLength(1);

    const onTime = await deliver(scheduledEvent(schedule, new Date(Date.parse(laterOnes[1]!.dueAt) + 2 * MINUTE)));
    expect(onTime.summary).toMatchObject({ sent: 1, skipped: 0 });
    expect(remindersSentTo(later!.phone!)).toHaveLength(2);
  });
});

describe('the cost guard', () => {
  it('past the monthly SMS cap, reminders go by e-mail; the centre is told once', async () => {
    const s = await centre('SMS cap', { sms: { monthlyCap: 2, perPhoneDailyLimit: 3 } });
    // A Tuesday whose Monday and Wednesday are in its month: the two due days (Monday, Tuesday) share the month.
    let day = freshTuesday();
    while (day.minus({ days: 1 }).month !== day.month || day.plus({ days: 1 }).month !== day.month)
      day = freshTuesday();
    const four = await Promise.all(['09:00', '09:30', '10:00', '10:30'].map((t) => patientBooked(s, local(day, t))));
    const due = (await reminderOf(s, four[0]!.appointment.appointmentId)).dueAt;

    const run = await runDispatch(plus(due, 1));
    expect(run).toMatchObject({ sent: 4 });
    const items = await Promise.all(four.map((b) => reminderOf(s, b.appointment.appointmentId)));
    const bySms = items.filter((r) => r.channel === 'sms');
    const byEmail = items.filter((r) => r.channel === 'email');
    expect(bySms).toHaveLength(2);
    expect(byEmail).toHaveLength(2);
    for (const r of byEmail) expect(r).toMatchObject({ status: 'accepted', fallbackFrom: 'sms' });
    for (const r of bySms) expect(r.fallbackFrom).toBeUndefined();
    for (const [i, b] of four.entries()) {
      const viaSms = items[i]!.channel === 'sms';
      expect(remindersSentTo(b.phone!)).toHaveLength(viaSms ? 1 : 0);
      expect(remindersSentTo(b.email!)).toHaveLength(viaSms ? 0 : 1);
    }
    expect(await smsCounted(s.w.centreId, plus(due, 1))).toBe(2);
    expect((await notices(s.w.centreId)).map((n) => n.kind)).toEqual(['sms_cap_reached']);
    expect(managerNotices(s)).toHaveLength(1);

    // The next day, still the same month: e-mail again, and no second notice.
    const fifth = await patientBooked(s, local(day.plus({ days: 1 }), '09:00'));
    const next = await reminderOf(s, fifth.appointment.appointmentId);
    await runDispatch(plus(next.dueAt, 1));
    expect(await reminderOf(s, fifth.appointment.appointmentId)).toMatchObject({
      status: 'accepted',
      channel: 'email',
      fallbackFrom: 'sms',
    });
    expect(remindersSentTo(fifth.phone!)).toEqual([]);
    expect(remindersSentTo(fifth.email!)).toHaveLength(1);
    expect((await notices(s.w.centreId)).map((n) => n.kind)).toEqual(['sms_cap_reached']);
    expect(managerNotices(s)).toHaveLength(1);
  });

  it('one phone gets at most perPhoneDailyLimit SMS a day: then e-mail, or nothing (sms_limit)', async () => {
    const s = await centre('Phone limit', { sms: { monthlyCap: 500, perPhoneDailyLimit: 1 } });
    const day = freshTuesday();
    const phone = freshPhone();
    const email = freshEmail();
    // One patient with two appointments that day (both reminded on Monday at 12:00)…
    const elder = await reminderPatient(s.w.practitioner.actor, { phone, email });
    const two = [
      await bookFor(s, elder.patientId, local(day, '09:00')),
      await bookFor(s, elder.patientId, local(day, '11:00')),
    ];
    // …and a sibling on the same (parent's) phone, without e-mail, reminded on Monday at 18:00.
    const younger = await reminderPatient(s.w.practitioner.actor, { phone });
    await updateReminderPreferences(
      s.w.manager.actor,
      younger.patientId,
      {
        version: 0,
        timing: { kind: 'daysBefore', days: 1, at: '18:00' },
        channel: 'sms',
        optOut: { sms: false, email: false },
      },
      origin,
    );
    const third = await bookFor(s, younger.patientId, local(day, '10:00'));

    const noon = (await reminderOf(s, two[0]!.appointmentId)).dueAt;
    await runDispatch(plus(noon, 1));
    const items = await Promise.all(two.map((a) => reminderOf(s, a.appointmentId)));
    expect(items.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(items.map((r) => r.channel).sort()).toEqual(['email', 'sms']);
    expect(items.find((r) => r.channel === 'email')).toMatchObject({ fallbackFrom: 'sms', recipient: email });
    expect(remindersSentTo(phone)).toHaveLength(1);
    expect(remindersSentTo(email)).toHaveLength(1);

    const evening = await reminderOf(s, third.appointmentId);
    expect(DateTime.fromISO(evening.dueAt, { zone: ZONE }).toFormat('HH:mm')).toBe('18:00');
    expect(evening.dueAt.slice(0, 10)).toBe(noon.slice(0, 10)); // the same UTC day
    await runDispatch(plus(evening.dueAt, 1));
    expect(await reminderOf(s, third.appointmentId)).toMatchObject({ status: 'skipped', reason: 'sms_limit' });
    expect(remindersSentTo(phone)).toHaveLength(1);
  });
});

describe('the cost guard under racing runs', () => {
  /**
   * The limits are taken only by the run that won the claim: a run that loses it must not hold the
   * phone's allowance (at 1 a day) or the month's SMS that the winner needs, or the winner would
   * fall back to e-mail — or skip — though nothing else went to that phone.
   */
  it('runs racing for the same reminders still send each by SMS, at a phone limit of 1 and a cap of exactly them', async () => {
    const s = await centre('Racing limits', { sms: { monthlyCap: 3, perPhoneDailyLimit: 1 } });
    const day = freshTuesday();
    const three = await Promise.all(['09:00', '09:30', '10:00'].map((t) => patientBooked(s, local(day, t))));
    const due = (await reminderOf(s, three[0]!.appointment.appointmentId)).dueAt;

    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => runDispatch(plus(due, 1 + (i % 2)))));

    expect(runs.reduce((n, r) => n + Number(r.sent), 0)).toBe(3);
    expect(runs.reduce((n, r) => n + Number(r.skipped), 0)).toBe(0);
    for (const b of three) {
      expect(remindersSentTo(b.phone!)).toHaveLength(1);
      expect(remindersSentTo(b.email!)).toEqual([]);
      const item = await reminderOf(s, b.appointment.appointmentId);
      expect(item).toMatchObject({ status: 'accepted', channel: 'sms', recipient: b.phone, attempt: 1 });
      expect(item.fallbackFrom).toBeUndefined();
    }
    // What the losing runs reserved went back: the month counts the three sent, no more.
    expect(await smsCounted(s.w.centreId, plus(due, 1))).toBe(3);
    expect(await notices(s.w.centreId)).toEqual([]);
  });
});

describe('the patient’s channels', () => {
  let s: Setup;
  beforeAll(async () => {
    // An e-mail two days before at 18:00 besides the patient's own SMS the day before at 12:00.
    s = await centre('Channels', {
      rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '18:00' } }],
    });
  });

  /** Both reminders of each appointment dispatched at their times. */
  async function dispatchBoth(appointmentId: string) {
    const all = await remindersOf(s.w.centreId, appointmentId);
    for (const r of all.sort((a, b) => a.dueAt.localeCompare(b.dueAt))) await runDispatch(plus(r.dueAt, 1));
  }
  const both = async (appointmentId: string) =>
    Object.fromEntries(
      (await remindersOf(s.w.centreId, appointmentId)).map((r) => [r.ruleKey === 'patient' ? 'sms' : 'email', r]),
    );

  it('a channel the patient opted out of is skipped (opted_out), the other still sent', async () => {
    const day = freshTuesday();
    const noSms = await reminderPatient(s.w.practitioner.actor, { phone: freshPhone(), email: freshEmail() });
    const noEmail = await reminderPatient(s.w.practitioner.actor, { phone: freshPhone(), email: freshEmail() });
    const viaApi = await call('PUT', `/patients/${noSms.patientId}/reminder-preferences`, {
      token: s.w.manager.token,
      body: { version: 0, timing: null, channel: 'sms', optOut: { sms: true, email: false } },
    });
    expect(viaApi.status).toBe(200);
    await updateReminderPreferences(
      s.w.practitioner.actor,
      noEmail.patientId,
      { version: 0, timing: null, channel: 'sms', optOut: { sms: false, email: true } },
      origin,
    );
    const a = await bookFor(s, noSms.patientId, local(day, '09:00'));
    const b = await bookFor(s, noEmail.patientId, local(day, '09:30'));
    await dispatchBoth(a.appointmentId);
    await dispatchBoth(b.appointmentId);

    const first = await both(a.appointmentId);
    expect(first.sms).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect(first.email).toMatchObject({ status: 'accepted', channel: 'email', recipient: noSms.email });
    const second = await both(b.appointmentId);
    expect(second.sms).toMatchObject({ status: 'accepted', channel: 'sms', recipient: noEmail.phone });
    expect(second.email).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect(remindersSentTo(noSms.phone!)).toEqual([]);
    expect(remindersSentTo(noSms.email!)).toHaveLength(1);
    expect(remindersSentTo(noEmail.phone!)).toHaveLength(1);
    expect(remindersSentTo(noEmail.email!)).toEqual([]);
    const messages = await call('GET', `/appointments/${a.appointmentId}/messages`, { token: s.w.manager.token });
    expect(messages.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'sms', status: 'skipped', reason: 'opted_out' })]),
    );
  });

  it('a patient without a phone gets the SMS reminder by e-mail; without any contact, nothing (no_contact)', async () => {
    const day = freshTuesday();
    const emailOnly = await patientBooked(s, local(day, '09:00'), { email: freshEmail() });
    const unreachable = await patientBooked(s, local(day, '09:30'), {});
    await dispatchBoth(emailOnly.appointment.appointmentId);
    await dispatchBoth(unreachable.appointment.appointmentId);

    const reached = await both(emailOnly.appointment.appointmentId);
    expect(reached.sms).toMatchObject({
      status: 'accepted',
      channel: 'email',
      fallbackFrom: 'sms',
      recipient: emailOnly.email,
    });
    expect(reached.email).toMatchObject({ status: 'accepted', channel: 'email' });
    expect(reached.email!.fallbackFrom).toBeUndefined();
    expect(remindersSentTo(emailOnly.email!)).toHaveLength(2);
    const none = await both(unreachable.appointment.appointmentId);
    expect(none.sms).toMatchObject({ status: 'skipped', reason: 'no_contact' });
    expect(none.email).toMatchObject({ status: 'skipped', reason: 'no_contact' });
  });

  it('a patient who refused the portal gets reminders without links', async () => {
    const day = freshTuesday();
    const refused = await patientBooked(s, local(day, '09:00'), {
      phone: freshPhone(),
      email: freshEmail(),
      portalOptOut: true,
    });
    const usual = await patientBooked(s, local(day, '09:30'));
    await dispatchBoth(refused.appointment.appointmentId);
    await dispatchBoth(usual.appointment.appointmentId);

    const texts = (b: typeof usual) => [...remindersSentTo(b.phone!), ...remindersSentTo(b.email!)].map((m) => m.text);
    expect(texts(usual)).toHaveLength(2);
    for (const text of texts(usual)) expect(text).toContain('/r/');
    expect(texts(refused)).toHaveLength(2);
    for (const text of texts(refused)) expect(text).not.toMatch(/\/r\/|https?:/);
  });
});
