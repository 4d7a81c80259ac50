import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../scripts/local/events';
import { issueInvitation } from '#functions/centres/invitations';
import { localQueues } from '#shared/jobs/local-queues';
import { lambdaContext, loadHandlers } from '../../scripts/local/http-adapter';
import { loadJobHandlers } from '../../scripts/local/jobs';
import { sentEmails } from '../support/outbox';
import { buildCentre } from '../support/world';

const dir = 'events/http';
const samples = readdirSync('events').flatMap((folder) =>
  readdirSync(`events/${folder}`).map((f) => `events/${folder}/${f}`),
);

describe('sample events (events/<context>)', () => {
  it.each(samples)('%s reaches a declared route, schedule or queue', (file) => {
    expect(() => loadEvent(file, {})).not.toThrow();
  });

  it('runs through the deployed handlers with the expected answers', async () => {
    const w = await buildCentre('Events centre');
    const handlers = await loadHandlers();
    const vars = { ACCESS_TOKEN: w.practitioner.token, PATIENT_ID: w.patientId };
    const run = async (file: string) => {
      const sample = loadEvent(`${dir}/${file}`, vars);
      if (sample.kind !== 'http') throw new Error(`${file} is not an API request`);
      return handlers[sample.fn]!(sample.event, lambdaContext(sample.fn, 'test'));
    };

    expect((await run('health.json')).statusCode).toBe(200);
    expect((await run('unknown-route.json')).statusCode).toBe(404);
    expect((await run('sign-in-malformed.json')).statusCode).toBe(400);
    expect((await run('sign-in.json')).statusCode).toBe(401);
    const list = await run('list-patients.json');
    expect(JSON.parse(list.body ?? '{}').items.map((p: { patientId: string }) => p.patientId)).toEqual([w.patientId]);
    expect((await run('get-patient.json')).statusCode).toBe(200);
  });

  it('runs the sample scheduled run and SQS batch through the deployed jobs handler', async () => {
    const w = await buildCentre('Jobs events centre');
    const { invitation } = await issueInvitation(w.manager.actor, {
      email: 'sample@example.test',
      role: 'practitioner',
    });
    const jobs = await loadJobHandlers();
    const vars = {
      SCHEDULED_TIME: new Date(Date.now() + 8 * 86_400_000).toISOString(),
      CENTRE_ID: w.centreId,
      INVITATION_ID: invitation.invitationId,
    };
    const run = async (file: string) => {
      const sample = loadEvent(`events/centres/${file}`, vars);
      return jobs[sample.fn]!(sample.event, lambdaContext(`${sample.fn}-jobs`, 'test'));
    };

    const scheduled = await run('invitation-expiry.json');
    const batch = await run('invitation-expired-batch.json');

    expect(scheduled).toMatchObject({ outcome: 'done', summary: { expiredInvitations: 1 } });
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(localQueues.deadLetters.map((l) => l.reason)).toEqual([expect.stringMatching(/^invalid message/)]);
    expect(sentEmails().filter((e) => e.kind === 'invitation-expired')).toHaveLength(1);
  });
});
