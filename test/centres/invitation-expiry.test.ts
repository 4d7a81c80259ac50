import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '#functions/centres/jobs';
import { acceptInvitation, issueInvitation, resendInvitation, revokeInvitation } from '#functions/centres/invitations';
import { updateStaffMember } from '#functions/centres/staff';
import { caseload } from '#functions/patients/service';
import { overBudget } from '#shared/db/budget';
import { requestCounts, resetRequestCounts } from '#shared/db/request-counter';
import { localQueues } from '#shared/jobs/local-queues';
import { mailer } from '#shared/messaging/mailer';
import type { ScheduleResult } from '#shared/jobs/pipeline';
import { connectQueues, scheduledEvent } from '../../scripts/local/jobs';
import { lambdaContext } from '../../scripts/local/http-adapter';
import { findMembership } from '#functions/centres/repository';
import { sentEmails } from '../support/outbox';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, type CentreWorld, invite, PASSWORD } from '../support/world';
import { centres } from '#functions/centres/context';
import { expiredInvitationSchema } from '#functions/centres/schemas';

/**
 * The invitation-expiry schedule and its worker, through the deployed jobs handler and the
 * in-process queues (SQS's behaviour), on DynamoDB Local. Invitations expire 7 days after they are
 * sent: runs "in the future" (the schedule's intended time) find them expired without faking clocks.
 */
const schedule = centres.jobs.schedules[0];
const queue = centres.jobs.queues[0];
const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);

async function run(at: Date): Promise<ScheduleResult> {
  const result = (await handler(
    scheduledEvent(schedule, at),
    lambdaContext('centrum-centres-jobs', 'r'),
  )) as ScheduleResult;
  await localQueues.drain();
  return result;
}

const noticesAbout = (email: string) =>
  sentEmails().filter((e) => e.kind === 'invitation-expired' && e.text.includes(email));

let w: CentreWorld;

beforeAll(async () => {
  connectQueues({ centres: handler as never });
  w = await buildCentre('Expiry centre');
});

afterEach(() => localQueues.reset());

describe('invitations that expire unaccepted', () => {
  it('tell their inviter once, in the centre language, whatever the number of runs and deliveries', async () => {
    const email = `expiring-${Date.now()}@example.test`;
    await issueInvitation(w.manager.actor, { email, role: 'practitioner' });
    const at = inDays(8);

    resetRequestCounts();
    const first = (await handler(scheduledEvent(schedule, at), lambdaContext('jobs', 'r'))) as ScheduleResult;
    const scheduleRequests = requestCounts();
    resetRequestCounts();
    await localQueues.drain();
    const workerRequests = requestCounts();
    const again = await run(at);
    await Promise.all([run(at), run(at)]);

    expect(first.summary).toMatchObject({ expiredInvitations: 1, queued: 1 });
    expect(again.summary).toMatchObject({ expiredInvitations: 0 });
    const notices = noticesAbout(email);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ to: w.manager.email, subject: `Invitation expirée : ${email}` });
    expect(localQueues.deadLetters).toEqual([]);
    expect(overBudget(scheduleRequests, schedule.budget), 'schedule run over budget').toEqual([]);
    expect(overBudget(workerRequests, queue.budget), 'one notice over budget').toEqual([]);
  });

  it('are judged as of the run, not of the clock: an early run sees nothing, a late run the same as an on-time one', async () => {
    const email = `timely-${Date.now()}@example.test`;
    await issueInvitation(w.manager.actor, {
      email,
      role: 'secretary',
      servedPractitionerIds: [w.practitioner.userId],
    });

    const early = await run(inDays(6));
    const onTime = await run(inDays(8));

    expect(early.summary).toMatchObject({ expiredInvitations: 0 });
    expect(onTime.summary).toMatchObject({ expiredInvitations: 1 });
    expect(noticesAbout(email)).toHaveLength(1);
  });

  it('are caught up within the look-back window after an outage, and not beyond it', async () => {
    const email = `outage-${Date.now()}@example.test`;
    await issueInvitation(w.manager.actor, { email, role: 'practitioner' });

    const tooLate = await run(inDays(7 + schedule.input.lookbackDays + 2));
    const withinWindow = await run(inDays(7 + schedule.input.lookbackDays - 1));

    expect(tooLate.summary).toMatchObject({ expiredInvitations: 0 });
    expect(withinWindow.summary).toMatchObject({ expiredInvitations: 1 });
    expect(noticesAbout(email)).toHaveLength(1);
  });

  it('say nothing of invitations accepted or revoked', async () => {
    const accepted = await issueInvitation(w.manager.actor, {
      email: `acc-${Date.now()}@example.test`,
      role: 'practitioner',
    });
    await acceptInvitation({ token: accepted.token, password: PASSWORD, firstName: 'A', lastName: 'B' });
    const revoked = await issueInvitation(w.manager.actor, {
      email: `rev-${Date.now()}@example.test`,
      role: 'practitioner',
    });
    await revokeInvitation(w.manager.actor, revoked.invitation.invitationId);

    const result = await run(inDays(8));

    expect(result.summary).toMatchObject({ expiredInvitations: 0 });
    for (const email of [accepted.invitation.email, revoked.invitation.email]) expect(noticesAbout(email)).toEqual([]);
  });

  it('tell again about an invitation resent after its notice, once its new expiry has passed', async () => {
    const email = `resent-${Date.now()}@example.test`;
    const { invitation } = await issueInvitation(w.manager.actor, { email, role: 'practitioner' });
    await run(inDays(8));
    await resendInvitation(w.manager.actor, invitation.invitationId);

    await run(inDays(8));
    await run(inDays(8));

    expect(noticesAbout(email)).toHaveLength(2);
  });

  it('ignore a notice queued for an expiry the invitation no longer has (resent in between)', async () => {
    const email = `moved-${Date.now()}@example.test`;
    const { invitation } = await issueInvitation(w.manager.actor, { email, role: 'practitioner' });
    await resendInvitation(w.manager.actor, invitation.invitationId);

    // Found expired as of its first expiry, delivered after the resend moved it later.
    await localQueues.send('invitation-expired', [
      JSON.stringify({ centreId: w.centreId, invitationId: invitation.invitationId, asOf: invitation.expiresAt }),
    ]);
    await localQueues.drain();

    expect(noticesAbout(email)).toEqual([]);
  });

  it('tell the managers when the inviter is no longer an active member', async () => {
    const other = await buildCentre('Expiry centre with a departed inviter');
    const secondManager = await invite(other.manager.actor, 'practitioner');
    const member = await findMembership(other.centreId, secondManager.userId);
    // A practitioner promoted to manager (with a second factor) invites, then is suspended.
    const email = `departed-${Date.now()}@example.test`;
    await issueInvitation(
      { ...secondManager.actor, role: 'manager' },
      { email, role: 'secretary', servedPractitionerIds: [other.practitioner.userId] },
    );
    await updateStaffMember(
      other.manager.actor,
      secondManager.userId,
      { version: member!.version, status: 'suspended' },
      caseload,
    );

    await run(inDays(8));

    expect(noticesAbout(email).map((e) => e.to)).toEqual([other.manager.email]);
  });

  it('retry a notice whose e-mail could not be sent, until it is', async () => {
    const email = `retried-${Date.now()}@example.test`;
    await issueInvitation(w.manager.actor, { email, role: 'practitioner' });
    const send = vi.spyOn(mailer(), 'send').mockRejectedValueOnce(new Error('SES is down'));

    await run(inDays(8));

    expect(send).toHaveBeenCalledTimes(2);
    expect(noticesAbout(email)).toHaveLength(1);
    expect(localQueues.deadLetters).toEqual([]);
    send.mockRestore();
  });

  it('tell no manager twice when the e-mail to another one fails', async () => {
    const other = await buildCentre('Expiry centre with two managers');
    await invite(other.manager.actor, 'manager');
    const inviter = await invite(other.manager.actor, 'practitioner');
    const email = `partial-${Date.now()}@example.test`;
    await issueInvitation(
      { ...inviter.actor, role: 'manager' },
      { email, role: 'secretary', servedPractitionerIds: [other.practitioner.userId] },
    );
    const member = await findMembership(other.centreId, inviter.userId);
    await updateStaffMember(
      other.manager.actor,
      inviter.userId,
      { version: member!.version, status: 'suspended' },
      caseload,
    );
    const real = mailer().send.bind(mailer());
    let calls = 0;
    const send = vi.spyOn(mailer(), 'send').mockImplementation(async (mail) => {
      calls += 1;
      if (calls === 2) throw new Error('SES refused the second one');
      return real(mail);
    });

    await run(inDays(8));
    await run(inDays(8));

    expect(calls).toBe(2);
    expect(noticesAbout(email)).toHaveLength(1);
    send.mockRestore();
  });

  it('take any junk as a queue message or a scheduled event without failing or writing; the invalid is dead-lettered', async () => {
    const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/;
    const message = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.record({
        centreId: fc.oneof(fc.constant(w.centreId), fc.stringMatching(ulid), fc.string()),
        invitationId: fc.oneof(fc.stringMatching(ulid), fc.string()),
        asOf: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
      }),
    );
    const event = fc.oneof(
      fc.jsonValue(),
      fc.record({
        source: fc.constantFrom('centrum.schedule', 'aws.events'),
        schedule: fc.constantFrom(schedule.name, 'other'),
        scheduledTime: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        payload: fc.oneof(fc.jsonValue(), fc.record({ lookbackDays: fc.integer() })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(message, event, async (body, scheduled) => {
        const before = await snapshot();
        localQueues.reset();
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        const valid = (() => {
          try {
            return expiredInvitationSchema.safeParse(JSON.parse(text)).success;
          } catch {
            return false;
          }
        })();

        const batch = await handler(
          {
            Records: [
              {
                messageId: 'm',
                receiptHandle: 'm',
                body: text,
                attributes: {
                  ApproximateReceiveCount: '1',
                  SentTimestamp: '0',
                  SenderId: 'fuzz',
                  ApproximateFirstReceiveTimestamp: '0',
                },
                messageAttributes: {},
                md5OfBody: '',
                eventSource: 'aws:sqs',
                eventSourceARN: 'arn:aws:sqs:eu-west-3:0:centrum-test-invitation-expired',
                awsRegion: 'eu-west-3',
              },
            ],
          } as never,
          lambdaContext('jobs', 'fuzz'),
        );
        const run = (await handler(scheduled as never, lambdaContext('jobs', 'fuzz'))) as ScheduleResult;

        expect(batch).toEqual({ batchItemFailures: [] });
        expect(localQueues.deadLetters.some((l) => l.target === 'invitation-expired')).toBe(!valid);
        expect(['done', 'dead-lettered']).toContain(run.outcome);
        if (run.outcome === 'dead-lettered')
          expect(localQueues.deadLetters.some((l) => l.target === 'jobs:centres')).toBe(true);
        expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
      }),
      { numRuns: 40 },
    );
  });
});
