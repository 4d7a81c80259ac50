import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type * as Sns from '@aws-sdk/client-sns';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DateTime } from 'luxon';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { reminders } from '#functions/reminders/context';
import { handler as jobs } from '#functions/reminders/jobs';
import { messageView, noticesPage, type StoredReminder } from '#functions/reminders/repository';
import { localQueues } from '#shared/jobs/local-queues';
import { lambdaContext } from '../../scripts/local/http-adapter';
import { mondayAhead, newType } from '../agenda/fixtures';
import { call } from '../support/api';
import { sentEmails } from '../support/outbox';
import { buildCentre, type CentreWorld } from '../support/world';
import {
  bookWithReminders,
  freshEmail,
  freshPhone,
  reminderPatient,
  remindersOf,
  remindersSentTo,
  runDispatch,
  setReminderRules,
} from './fixtures';

/**
 * What happens to a message after the provider accepted it (N2), from the providers' own events,
 * through the deployed jobs handler: SES events (EventBridge → the `message-events` queue, delivered
 * by the in-process queues with SQS's retries and dead letters) and SNS's SMS delivery-status logs
 * (a CloudWatch Logs subscription event). SMS go through the SNS sender, its client mocked
 * (aws-sdk-client-mock), so each SMS has an SNS message id as deployed; e-mails go to the outbox.
 */
vi.hoisted(() => {
  process.env.SMS_TRANSPORT = 'sns';
});

// The sender loads the SDK the way the Lambda runtime provides it (CommonJS): mock that very class.
const sns = createRequire(import.meta.url)('@aws-sdk/client-sns') as typeof Sns;
const snsMock = mockClient(sns.SNSClient);
let published: { to: string; snsId: string; text: string }[] = [];

const ZONE = 'Europe/Brussels';
const MINUTE = 60_000;
const queue = reminders.jobs.queues[0];
const context = () => lambdaContext('centrum-reminders-jobs', randomUUID());

let w: CentreWorld;
let typeId: string;
let nextWeek = 4;

beforeAll(async () => {
  localQueues.register(queue.name, {
    batchSize: queue.batchSize,
    maxReceiveCount: queue.maxReceiveCount,
    visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
    deliver: async (event) => (await jobs(event, context())) as SQSBatchResponse,
  });
  w = await buildCentre('Delivery');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
  // Each appointment gets an e-mail two days before at 18:00, and the patient's own SMS the day before at 12:00.
  await setReminderRules(w.manager.actor, {
    rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '18:00' } }],
  });
});

beforeEach(() => {
  published = [];
  snsMock.reset();
  snsMock.on(sns.PublishCommand).callsFake((input: { PhoneNumber: string; Message: string }) => {
    const snsId = randomUUID();
    published.push({ to: input.PhoneNumber, snsId, text: input.Message });
    return { MessageId: snsId };
  });
});
afterEach(() => localQueues.reset());

/** A patient with a phone and an e-mail, booked on a Tuesday of their own; both reminders sent. */
async function sentBoth() {
  const reach = { phone: freshPhone(), email: freshEmail() };
  const patient = await reminderPatient(w.practitioner.actor, reach);
  const day = DateTime.fromISO(mondayAhead(nextWeek++), { zone: ZONE }).plus({ days: 1 });
  const appointment = await bookWithReminders(w.practitioner.actor, {
    practitionerId: w.practitioner.userId,
    patientId: patient.patientId,
    appointmentTypeId: typeId,
    start: `${day.toFormat('yyyy-MM-dd')}T10:00`,
  });
  for (const r of (await remindersOf(w.centreId, appointment.appointmentId)).sort((a, b) =>
    a.dueAt.localeCompare(b.dueAt),
  ))
    await runDispatch(new Date(Date.parse(r.dueAt) + MINUTE));
  const email = await current(appointment.appointmentId, 'email');
  const sms = await current(appointment.appointmentId, 'sms');
  expect([email.status, sms.status]).toEqual(['accepted', 'accepted']);
  return {
    phone: reach.phone,
    address: reach.email,
    patientId: patient.patientId,
    appointmentId: appointment.appointmentId,
    email,
    sms,
  };
}

/** The appointment's reminder of that channel as stored now (the centre's e-mail rule, the patient's SMS). */
async function current(appointmentId: string, channel: 'sms' | 'email'): Promise<StoredReminder> {
  const all = await remindersOf(w.centreId, appointmentId);
  const found = all.filter((r) => (channel === 'sms' ? r.ruleKey === 'patient' : r.ruleKey !== 'patient'));
  expect(found).toHaveLength(1);
  return found[0]!;
}

// --- SES events (EventBridge → SQS) -------------------------------------------------------------

const detailTypes = {
  Delivery: 'Email Delivered',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  Bounce: 'Email Bounced',
  Send: 'Email Sent',
} as const;

/** An SES event as EventBridge delivers it, about the e-mail carrying our message id as a tag. */
function sesEvent(type: keyof typeof detailTypes, ours: string | undefined, at: Date, section: object = {}) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailTypes[type],
    source: 'aws.ses',
    account: '123456789012',
    time: at.toISOString(),
    region: 'eu-west-3',
    resources: [],
    detail: {
      eventType: type,
      mail: {
        timestamp: at.toISOString(),
        source: 'no-reply@centrum.test',
        messageId: `0102${randomUUID()}`,
        destination: ['someone@example.test'],
        tags: { ...(ours ? { messageId: [ours] } : {}), kind: ['appointment-reminder'] },
      },
      [type.charAt(0).toLowerCase() + type.slice(1)]: { timestamp: at.toISOString(), ...section },
    },
  };
}

async function deliverEvents(...events: object[]) {
  await localQueues.send(
    queue.name,
    events.map((e) => JSON.stringify(e)),
  );
  await localQueues.drain();
}

const at = (minutesAgo: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - minutesAgo * MINUTE);
const noticesAbout = async (appointmentId: string) =>
  ((await noticesPage(w.centreId, 100)).items as unknown as { kind: string; appointmentId?: string }[]).filter(
    (n) => n.appointmentId === appointmentId,
  );
const managerNotices = () => sentEmails().filter((e) => e.to === w.manager.email && e.kind === 'reminder-notice');

describe('SES events of a reminder e-mail', () => {
  it('Delivery, Open and Click: delivered, first opened and clicked; an event delivered again changes nothing more', async () => {
    const b = await sentBoth();
    const [delivered, opened, openedAgain, clicked] = [at(30), at(20), at(10), at(5)];
    const delivery = sesEvent('Delivery', b.email.messageId, delivered, { processingTimeMillis: 512 });
    await deliverEvents(delivery);
    expect(await current(b.appointmentId, 'email')).toMatchObject({
      status: 'delivered',
      deliveredAt: delivered.toISOString(),
    });

    // In the order they happened (a batch's messages are processed concurrently, in no set order).
    await deliverEvents(sesEvent('Open', b.email.messageId, opened, { userAgent: 'Mail' }));
    await deliverEvents(
      sesEvent('Open', b.email.messageId, openedAgain, { userAgent: 'Mail' }),
      sesEvent('Click', b.email.messageId, clicked, { link: 'https://api.centrum.test/r/x' }),
      delivery,
      sesEvent('Delivery', b.email.messageId, at(1)),
    );
    const stored = await current(b.appointmentId, 'email');
    expect(stored).toMatchObject({
      status: 'delivered',
      deliveredAt: delivered.toISOString(),
      openedAt: opened.toISOString(),
      clickedAt: clicked.toISOString(),
      attempt: 1,
    });
    expect(localQueues.deadLetters).toEqual([]);
    const messages = await call('GET', `/appointments/${b.appointmentId}/messages`, { token: w.manager.token });
    expect(messages.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          channel: 'email',
          status: 'delivered',
          deliveredAt: delivered.toISOString(),
          openedAt: opened.toISOString(),
          clickedAt: clicked.toISOString(),
        }),
      ]),
    );
    // The SMS of the same appointment is untouched by the e-mail's events.
    expect((await current(b.appointmentId, 'sms')).status).toBe('accepted');
  });

  it('a permanent bounce fails the e-mail and tells the centre once; a transient one changes nothing', async () => {
    const b = await sentBoth();
    const emailsBefore = managerNotices().length;
    await deliverEvents(
      sesEvent('Bounce', b.email.messageId, at(9), { bounceType: 'Transient', bounceSubType: 'MailboxFull' }),
    );
    expect((await current(b.appointmentId, 'email')).status).toBe('accepted');
    expect(await noticesAbout(b.appointmentId)).toEqual([]);

    const bounced = at(8);
    const permanent = sesEvent('Bounce', b.email.messageId, bounced, {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: b.address }],
    });
    await deliverEvents(permanent);
    await deliverEvents(permanent, sesEvent('Delivery', b.email.messageId, at(7)));

    expect(await current(b.appointmentId, 'email')).toMatchObject({
      status: 'failed',
      reason: 'bounced',
      failedAt: bounced.toISOString(),
      attempt: 1,
    });
    expect(await noticesAbout(b.appointmentId)).toEqual([
      expect.objectContaining({ kind: 'message_failed', appointmentId: b.appointmentId, patientId: b.patientId }),
    ]);
    expect(managerNotices()).toHaveLength(emailsBefore + 1);
    // An e-mail is never sent again: no retry planned.
    await runDispatch(new Date(Date.now() + MINUTE));
    expect(remindersSentTo(b.address)).toHaveLength(1);
    expect(localQueues.deadLetters).toEqual([]);
  });

  it('ignores events of e-mails that are not reminders; retries one naming an unknown message, then dead-letters it', async () => {
    const b = await sentBoth();
    await deliverEvents(sesEvent('Delivery', undefined, at(3)), sesEvent('Send', b.email.messageId, at(3)));
    expect(localQueues.deadLetters).toEqual([]);
    expect((await current(b.appointmentId, 'email')).status).toBe('accepted');

    await deliverEvents(sesEvent('Delivery', '01KNOTAMESSAGEOFOURS000000', at(2)));
    expect(localQueues.deadLetters).toEqual([
      expect.objectContaining({ target: queue.name, reason: expect.stringContaining('maxReceiveCount') }),
    ]);
  });
});

// --- SNS SMS delivery-status logs (CloudWatch Logs subscription) -----------------------------------

/** A CloudWatch Logs subscription event carrying one SNS delivery-status log line. */
function smsLog(status: 'SUCCESS' | 'FAILURE', snsId: string, when: Date, response = 'Unknown error') {
  const logGroup = `sns/eu-west-3/123456789012/DirectPublishToPhoneNumber${status === 'FAILURE' ? '/Failure' : ''}`;
  const message = JSON.stringify({
    notification: { messageId: snsId, timestamp: when.toISOString().replace('T', ' ').replace('Z', '') },
    delivery: {
      destination: '+32470000000',
      smsType: 'Transactional',
      providerResponse: status === 'SUCCESS' ? 'Message has been accepted by phone carrier' : response,
      dwellTimeMs: 212,
    },
    status,
  });
  const data = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: randomUUID(),
    subscriptionFilters: ['sms-delivery-status'],
    logEvents: [{ id: randomUUID(), timestamp: when.getTime(), message }],
  };
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}
const deliverLog = async (event: ReturnType<typeof smsLog>) => jobs(event, context());

describe('SNS delivery-status logs of a reminder SMS', () => {
  it('a failure sends it once more; failed again it is failed and reported once; stale and repeated logs change nothing', async () => {
    const b = await sentBoth();
    expect(published.map((p) => p.to)).toEqual([b.phone]);
    const first = published[0]!;
    expect(b.sms).toMatchObject({ provider: 'sns', providerMessageId: first.snsId, recipient: b.phone });
    const emailsBefore = managerNotices().length;

    expect(await deliverLog(smsLog('FAILURE', first.snsId, at(6)))).toEqual({ logEvents: 1 });
    const requeued = await current(b.appointmentId, 'sms');
    expect(requeued).toMatchObject({ status: 'pending', attempt: 1, messageId: b.sms.messageId });
    expect(messageView(requeued).status).toBe('planned');
    expect(Date.parse(requeued.dueAt)).toBeLessThanOrEqual(Date.now());
    // The same log again, and the first attempt's late success: stale.
    await deliverLog(smsLog('FAILURE', first.snsId, at(6)));
    await deliverLog(smsLog('SUCCESS', first.snsId, at(5)));
    expect(await current(b.appointmentId, 'sms')).toEqual(requeued);
    expect(await noticesAbout(b.appointmentId)).toEqual([]);

    // The next run sends it again: attempt 2, a new message.
    const rerun = await runDispatch(new Date(Date.now() + MINUTE));
    expect(rerun.sent).toBeGreaterThanOrEqual(1);
    expect(published.map((p) => p.to)).toEqual([b.phone, b.phone]);
    const second = published[1]!;
    const resent = await current(b.appointmentId, 'sms');
    expect(resent).toMatchObject({ status: 'accepted', attempt: 2, providerMessageId: second.snsId, channel: 'sms' });
    expect(resent.messageId).not.toBe(b.sms.messageId);

    const failedAgain = at(1);
    await deliverLog(smsLog('FAILURE', second.snsId, failedAgain, 'Phone carrier has blocked this message'));
    await deliverLog(smsLog('FAILURE', second.snsId, failedAgain, 'Phone carrier has blocked this message'));
    expect(await current(b.appointmentId, 'sms')).toMatchObject({
      status: 'failed',
      attempt: 2,
      failedAt: failedAgain.toISOString(),
      reason: 'Phone carrier has blocked this message',
    });
    expect(await noticesAbout(b.appointmentId)).toEqual([
      expect.objectContaining({ kind: 'message_failed', appointmentId: b.appointmentId, patientId: b.patientId }),
    ]);
    expect(managerNotices()).toHaveLength(emailsBefore + 1);

    // Never a third attempt.
    await runDispatch(new Date(Date.now() + 2 * MINUTE));
    expect(published).toHaveLength(2);
    const messages = await call('GET', `/appointments/${b.appointmentId}/messages`, { token: w.manager.token });
    expect(messages.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'sms', status: 'failed', attempt: 2 })]),
    );
  });

  it('a success marks it delivered; repeated, nothing more; a log about an SMS that is not ours is ignored', async () => {
    const b = await sentBoth();
    const snsId = published[0]!.snsId;
    const delivered = at(4);
    await deliverLog(smsLog('SUCCESS', snsId, delivered));
    const stored = await current(b.appointmentId, 'sms');
    expect(stored).toMatchObject({ status: 'delivered', deliveredAt: delivered.toISOString(), attempt: 1 });
    await deliverLog(smsLog('SUCCESS', snsId, at(2)));
    await deliverLog(smsLog('FAILURE', randomUUID(), at(2)));
    expect(await current(b.appointmentId, 'sms')).toEqual(stored);
    expect(await noticesAbout(b.appointmentId)).toEqual([]);
  });
});
