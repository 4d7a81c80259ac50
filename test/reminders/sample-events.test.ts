import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { updateReminderRules } from '#functions/reminders/service';
import { createPatient } from '#functions/patients/service';
import { loadEvent } from '../../scripts/local/events';
import { lambdaContext } from '../../scripts/local/http-adapter';
import { loadJobHandlers } from '../../scripts/local/jobs';
import { newType } from '../agenda/fixtures';
import { buildCentre, newPatient, origin } from '../support/world';
import { bookWithReminders, freshPhone, remindersOf } from './fixtures';

/**
 * The sample events of events/reminders/ through the deployed jobs handler, as `npm run invoke`
 * runs them against the local stack: a scheduled run of the dispatcher, a batch of SES events from
 * the queue, and SNS delivery-status logs (written decoded in the sample, encoded as CloudWatch Logs
 * delivers them by the local adapter).
 */
describe('reminders sample events (events/reminders)', () => {
  it('dispatch, SES events and SNS delivery logs run through the jobs handler and are recorded', async () => {
    const w = await buildCentre('Sample events centre');
    const type = await newType(w.manager.actor);
    await updateReminderRules(w.manager.actor, {
      version: 0,
      enabled: true,
      rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 1, at: '12:00' } }],
      patientPreference: 'add',
      sms: { monthlyCap: 100, perPhoneDailyLimit: 3 },
      catchUp: { minLeadMinutes: 60 },
    });
    const patient = await createPatient(
      w.practitioner.actor,
      newPatient({ phone: freshPhone(), email: 'sample-events@example.test' }),
      origin,
    );
    const a = await bookWithReminders(w.practitioner.actor, {
      practitionerId: w.practitioner.userId,
      patientId: patient.patientId,
      appointmentTypeId: type.appointmentTypeId,
    });
    const [planned] = await remindersOf(w.centreId, a.appointmentId);
    const jobs = await loadJobHandlers();
    const run = async (file: string, vars: Record<string, string>) => {
      const sample = loadEvent(`events/reminders/${file}`, vars);
      return jobs[sample.fn]!(sample.event, lambdaContext(`${sample.fn}-jobs`, 'test'));
    };
    const at = DateTime.fromISO(planned!.dueAt).plus({ minutes: 2 }).toISO()!;

    expect(await run('reminders-dispatch.json', { SCHEDULED_TIME: at })).toMatchObject({
      outcome: 'done',
      summary: { sent: 2 },
    });
    const sent = await remindersOf(w.centreId, a.appointmentId);
    const email = sent.find((r) => r.channel === 'email')!;
    const sms = sent.find((r) => r.channel === 'sms')!;
    expect([email.status, sms.status]).toEqual(['accepted', 'accepted']);

    const vars = { MESSAGE_ID: email.messageId!, PROVIDER_MESSAGE_ID: email.providerMessageId!, AT: at };
    expect(await run('ses-events-batch.json', vars)).toEqual({ batchItemFailures: [] });
    expect(await run('sms-delivered-logs.json', { PROVIDER_MESSAGE_ID: sms.providerMessageId! })).toEqual({
      logEvents: 1,
    });

    const after = await remindersOf(w.centreId, a.appointmentId);
    expect(after.find((r) => r.channel === 'email')).toMatchObject({
      status: 'delivered',
      openedAt: at,
      clickedAt: at,
    });
    expect(after.find((r) => r.channel === 'sms')).toMatchObject({ status: 'delivered' });
  });
});
