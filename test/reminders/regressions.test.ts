import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { getCentre, updateCentre } from '#functions/centres/centre';
import { recordDelivery } from '#functions/reminders/delivery';
import * as repository from '#functions/reminders/repository';
import { noticesPage } from '#functions/reminders/repository';
import { internalOrigin } from '#shared/origin';
import { patientAuditTrail } from '#shared/audit/audit';
import { keys } from '#shared/db/keys';
import { getItem } from '#shared/db/table';
import { smsSender } from '#shared/messaging/sms';
import { mondayAhead } from '../agenda/fixtures';
import { call } from '../support/api';
import {
  bookWithReminders,
  freshEmail,
  freshPhone,
  patientBooked,
  type ReminderCentre,
  reminderCentre,
  reminderPatient,
  remindersOf,
  remindersSentTo,
  runDispatch,
} from './fixtures';

/**
 * Defects found in review of the reminders (issue #10), each with the behaviour it broke: the
 * message names where the appointment is now, a table error after a send is not a provider's
 * refusal, the earliest open is kept, an on-time "1 hour before" reminder goes.
 */
const ZONE = 'Europe/Brussels';
let week = 5;
const freshDay = () => DateTime.fromISO(mondayAhead(week++), { zone: ZONE }).plus({ days: 1 }).toFormat('yyyy-MM-dd');
const at = (instant: string, minutes: number) => new Date(Date.parse(instant) + minutes * 60_000);

/** A patient reachable as given, booked at `start`, and the first reminder planned for it. */
async function booked(s: ReminderCentre, start: string, contact: Parameters<typeof patientBooked>[2]) {
  const b = await patientBooked(s, start, contact);
  const [reminder] = await remindersOf(s.w.centreId, b.appointment.appointmentId);
  return { ...b, reminder: reminder! };
}

describe('reminders, as review found them', () => {
  it('name the place the appointment is at when sent, after a change of place that did not move it', async () => {
    const s = await reminderCentre('Places');
    const { w } = s;
    const centre = await getCentre(w.manager.actor);
    const updated = await updateCentre(w.manager.actor, {
      version: centre.version,
      locations: [{ name: 'Cabinet Nord' }, { name: 'Cabinet Sud' }],
    } as never);
    const [north, south] = updated.locations;
    const phone = freshPhone();
    const p = await reminderPatient(w.practitioner.actor, { phone });
    const a = await bookWithReminders(w.practitioner.actor, {
      practitionerId: w.practitioner.userId,
      patientId: p.patientId,
      appointmentTypeId: s.typeId,
      start: `${freshDay()}T10:00`,
      locationId: north!.locationId,
    } as never);
    const changed = await call('PATCH', `/appointments/${a.appointmentId}`, {
      token: w.practitioner.token,
      body: { version: a.version, locationId: south!.locationId },
    });
    expect(changed.status).toBe(200);
    const [r] = await remindersOf(w.centreId, a.appointmentId);

    await runDispatch(at(r!.dueAt, 1));

    const [sms] = remindersSentTo(phone);
    expect(sms!.text).toContain('Cabinet Sud');
    expect(sms!.text).not.toContain('Cabinet Nord');
  });

  it('a table error after the provider accepted is no refusal: not failed, not reported, never sent again', async () => {
    const s = await reminderCentre('Record errors');
    const { w } = s;
    const {
      phone,
      appointment: a,
      reminder: planned,
    } = await booked(s, `${freshDay()}T10:00`, { phone: freshPhone() });
    const record = repository.recordSendOutcome;
    const spy = vi.spyOn(repository, 'recordSendOutcome').mockImplementation(async (key, messageId, outcome) => {
      if (key.sk === planned!.sk && outcome.status === 'accepted')
        throw Object.assign(new Error('Throughput exceeded'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400, attempts: 1 },
        });
      return record(key, messageId, outcome);
    });

    const run = await runDispatch(at(planned!.dueAt, 1));
    spy.mockRestore();
    const again = await runDispatch(at(planned!.dueAt, 6));

    expect(run).toMatchObject({ sent: 0, failed: 0, unrecorded: 1 });
    expect(again).toMatchObject({ sent: 0 });
    expect(remindersSentTo(phone!)).toHaveLength(1);
    const [stored] = await remindersOf(w.centreId, a.appointmentId);
    expect(stored).toMatchObject({ status: 'sending' });
    expect((await noticesPage(w.centreId, 10)).items).toEqual([]);
  });

  it('keep the earliest open and click, whatever order their events come in', async () => {
    const s = await reminderCentre('Event order', {
      rules: [{ channel: 'email', timing: { kind: 'hoursBefore', hours: 5 } }],
      patientPreference: 'ignore',
    });
    const { w } = s;
    const { appointment: a, reminder: r } = await booked(s, `${freshDay()}T10:00`, { email: freshEmail() });
    await runDispatch(at(r!.dueAt, 1));
    const [sent] = await remindersOf(w.centreId, a.appointmentId);
    const origin = internalOrigin(randomUUID(), 'queue/message-events');
    const message = { by: 'id' as const, messageId: sent!.messageId! };

    for (const [type, minute] of [
      ['opened', 10],
      ['opened', 0],
      ['opened', 5],
      ['clicked', 20],
      ['clicked', 12],
    ] as const)
      await recordDelivery({ message, type, at: `2026-12-02T10:${String(minute).padStart(2, '0')}:00.000Z` }, origin);

    const [after] = await remindersOf(w.centreId, a.appointmentId);
    expect(after).toMatchObject({ openedAt: '2026-12-02T10:00:00.000Z', clickedAt: '2026-12-02T10:12:00.000Z' });
  });

  it('a 4-hour session moved far, with its reminders, moves (its reminders follow in a transaction of their own)', async () => {
    const s = await reminderCentre(
      'Long sessions',
      {
        rules: [
          { channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '09:00' } },
          { channel: 'email', timing: { kind: 'daysBefore', days: 3, at: '09:00' } },
          { channel: 'sms', timing: { kind: 'hoursBefore', hours: 3 } },
        ],
        patientPreference: 'add',
      },
      { name: 'Bilan 4 h', durationMinutes: 240 },
    );
    const { w } = s;
    const day = freshDay();
    const { appointment: a } = await patientBooked(s, `${day}T08:00`);
    const before = await remindersOf(w.centreId, a.appointmentId);
    expect(before).toHaveLength(4);

    const moved = await call('POST', `/appointments/${a.appointmentId}/move`, {
      token: w.practitioner.token,
      body: { version: a.version, start: `${day}T13:00` },
    });

    expect(moved.status).toBe(200);
    const after = await remindersOf(w.centreId, a.appointmentId);
    const planned = after.filter((r) => !r.withdrawnAt);
    expect(planned).toHaveLength(4);
    expect(planned.every((r) => r.appointmentStart === moved.body.start)).toBe(true);
    expect(
      after
        .filter((r) => r.withdrawnAt)
        .map((r) => r.sk)
        .sort(),
    ).toEqual(before.map((r) => r.sk).sort());
  });

  it('send a "1 hour before" reminder on time, and skip it only when caught up too close to the start', async () => {
    const s = await reminderCentre('One hour before', {
      rules: [{ channel: 'sms', timing: { kind: 'hoursBefore', hours: 1 } }],
      patientPreference: 'ignore',
    });
    const { w } = s;
    const first = await booked(s, `${freshDay()}T10:00`, { phone: freshPhone() });
    const second = await booked(s, `${freshDay()}T11:00`, { phone: freshPhone() });
    const [onTime, caughtUp] = [first.reminder, second.reminder];

    await runDispatch(at(onTime!.dueAt, 4)); // the run 4 minutes after: on time, 56 minutes ahead
    await runDispatch(at(caughtUp!.dueAt, 30)); // an outage: 30 minutes late, 30 minutes ahead

    expect(remindersSentTo(first.phone!)).toHaveLength(1);
    expect(remindersSentTo(second.phone!)).toHaveLength(0);
    const [late] = await remindersOf(w.centreId, second.appointment.appointmentId);
    expect(late).toMatchObject({ status: 'skipped', reason: 'too_late' });
  });

  it('show a patient’s messages only about sessions with practitioners the caller may see', async () => {
    const { w, typeId } = await reminderCentre('Colleagues');
    const a = await bookWithReminders(w.manager.actor, {
      practitionerId: w.otherPractitioner.userId,
      patientId: w.patientId,
      appointmentTypeId: typeId,
      start: `${freshDay()}T10:00`,
    });
    const [r] = await remindersOf(w.centreId, a.appointmentId);
    await runDispatch(at(r!.dueAt, 1));
    const list = (token: string) => call('GET', `/patients/${w.patientId}/messages`, { token });

    const [secretary, manager] = await Promise.all([list(w.secretary.token), list(w.manager.token)]);

    expect(manager.body.items.map((m: { appointmentId: string }) => m.appointmentId)).toEqual([a.appointmentId]);
    expect(secretary.status).toBe(200);
    expect(secretary.body.items).toEqual([]);
  });

  const sentTrail = async (centreId: string, patientId: string) =>
    (await patientAuditTrail(centreId, patientId, 50)).items.filter((e) => e.action === 'reminder.send');

  it('one reminder in trouble does not stop the batch: the others are sent, audited and counted once', async () => {
    const s = await reminderCentre('Trouble');
    const { w } = s;
    const day = freshDay();
    const troubled = await booked(s, `${day}T10:00`, { phone: freshPhone() });
    const fine = await booked(s, `${day}T10:30`, { phone: freshPhone() });
    const claim = repository.claimReminder;
    const spy = vi.spyOn(repository, 'claimReminder').mockImplementation(async (r, c) => {
      if (r.sk === troubled.reminder.sk && r.pk === troubled.reminder.pk)
        throw Object.assign(new Error('Transaction in the way'), { name: 'TransactionConflictException' });
      return claim(r, c);
    });

    const run = await runDispatch(at(fine.reminder.dueAt, 1));
    spy.mockRestore();

    expect(run).toMatchObject({ sent: 1, errors: 1 });
    expect(remindersSentTo(fine.phone!)).toHaveLength(1);
    expect(await sentTrail(w.centreId, fine.patientId)).toHaveLength(1);
    const counter = await getItem<{ sent: number }>(keys.smsMonthCounter(w.centreId, fine.reminder.dueAt.slice(0, 7)));
    expect(counter?.sent).toBe(1);
    const [left] = await remindersOf(w.centreId, troubled.appointment.appointmentId);
    expect(left).toMatchObject({ status: 'pending' });
    await runDispatch(at(fine.reminder.dueAt, 6));
    expect(remindersSentTo(troubled.phone!)).toHaveLength(1);
  });

  it('a send whose outcome is unknown is on the patient’s trail; one the provider throttled is sent at the next run', async () => {
    const s = await reminderCentre('Unknown and throttled');
    const { w } = s;
    const day = freshDay();
    const unknown = await booked(s, `${day}T10:00`, { phone: freshPhone() });
    const throttled = await booked(s, `${day}T10:30`, { phone: freshPhone() });
    const sender = smsSender();
    const send = sender.send.bind(sender);
    const spy = vi.spyOn(sender, 'send').mockImplementation(async (message) => {
      if (message.to === unknown.phone)
        throw Object.assign(new Error('Request timed out'), { name: 'TimeoutError', $metadata: {} });
      if (message.to === throttled.phone)
        throw Object.assign(new Error('Slow down'), {
          name: 'ThrottledException',
          $fault: 'client',
          $metadata: { httpStatusCode: 429, attempts: 1 },
        });
      return send(message);
    });

    const first = await runDispatch(at(throttled.reminder.dueAt, 1));
    spy.mockRestore();
    const second = await runDispatch(at(throttled.reminder.dueAt, 6));

    expect(first).toMatchObject({ unknown: 1, throttled: 1, failed: 0 });
    expect(await sentTrail(w.centreId, unknown.patientId)).toEqual([
      expect.objectContaining({ fields: ['sms', 'unconfirmed'] }),
    ]);
    expect(second).toMatchObject({ sent: 1 });
    expect(remindersSentTo(throttled.phone!)).toHaveLength(1);
    expect(remindersSentTo(unknown.phone!)).toHaveLength(0);
    expect((await noticesPage(w.centreId, 10)).items).toEqual([]);
  });
});
