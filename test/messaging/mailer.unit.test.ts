import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ses from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxMailer, sesMailer } from '#shared/messaging/mailer';
import { NotSentError, sendOutcome } from '#shared/messaging/outcome';

// SES cannot run here: its client is mocked (the outbox transport, used by every other test, is real).
const sesMock = mockClient(ses.SESv2Client);

afterEach(() => {
  sesMock.reset();
});

describe('SES mailer', () => {
  it('sends a UTF-8 text e-mail from the configured sender, tagged with its kind', async () => {
    sesMock.on(ses.SendEmailCommand).resolves({ MessageId: 'ses-123' });
    const mailer = sesMailer({ from: 'Centrum <no-reply@centrum.example>', region: 'eu-west-3', sdk: () => ses });

    const sent = await mailer.send({
      to: 'invitee@example.test',
      subject: 'Invitation à rejoindre Centre Été',
      text: 'Bonjour',
      kind: 'staff-invitation',
    });

    expect(sent.messageId).toBe('ses-123');
    const [call] = sesMock.commandCalls(ses.SendEmailCommand);
    expect(call?.args[0].input).toEqual({
      FromEmailAddress: 'Centrum <no-reply@centrum.example>',
      Destination: { ToAddresses: ['invitee@example.test'] },
      Content: {
        Simple: {
          Subject: { Data: 'Invitation à rejoindre Centre Été', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Bonjour', Charset: 'UTF-8' } },
        },
      },
      EmailTags: [{ Name: 'kind', Value: 'staff-invitation' }],
    });
  });

  it('uses the configuration set when one is configured (delivery events)', async () => {
    sesMock.on(ses.SendEmailCommand).resolves({ MessageId: 'ses-456' });
    const mailer = sesMailer({
      from: 'a@b.example',
      region: 'eu-west-3',
      configurationSet: 'centrum-prod',
      sdk: () => ses,
    });

    await mailer.send({ to: 'x@example.test', subject: 's', text: 't', kind: 'k' });

    expect(sesMock.commandCalls(ses.SendEmailCommand)[0]?.args[0].input.ConfigurationSetName).toBe('centrum-prod');
  });

  it('lets a refusal by SES reach the caller', async () => {
    sesMock
      .on(ses.SendEmailCommand)
      .rejects(new ses.MessageRejected({ message: 'Email address is not verified', $metadata: {} }));
    const mailer = sesMailer({ from: 'a@b.example', region: 'eu-west-3', sdk: () => ses });

    await expect(mailer.send({ to: 'x@example.test', subject: 's', text: 't', kind: 'k' })).rejects.toThrow(
      'Email address is not verified',
    );
  });
});

describe('SES mailer: tags and outcomes', () => {
  it('sends the tags as SES EmailTags after kind, with the configuration set (ids come back in events)', async () => {
    sesMock.on(ses.SendEmailCommand).resolves({ MessageId: 'ses-789' });
    const mailer = sesMailer({
      from: 'a@b.example',
      region: 'eu-west-3',
      configurationSet: 'centrum-prod',
      sdk: () => ses,
    });

    const sent = await mailer.send({
      to: 'patient@example.test',
      subject: 'Rappel',
      text: 't',
      kind: 'appointment-reminder',
      tags: { reminderId: '01JABCDEFGHJKMNPQRSTVWXYZ0', centre_id: 'c-1' },
    });

    expect(sent.messageId).toBe('ses-789');
    const input = sesMock.commandCalls(ses.SendEmailCommand)[0]?.args[0].input;
    expect(input?.EmailTags).toEqual([
      { Name: 'kind', Value: 'appointment-reminder' },
      { Name: 'reminderId', Value: '01JABCDEFGHJKMNPQRSTVWXYZ0' },
      { Name: 'centre_id', Value: 'c-1' },
    ]);
    expect(input?.ConfigurationSetName).toBe('centrum-prod');
  });

  it.each([
    ['a tag value with a character SES refuses', { tags: { reminderId: 'a b' } }],
    ['a tag name with a character SES refuses', { tags: { 'centre.id': 'c1' } }],
    ['an empty tag value', { tags: { reminderId: '' } }],
    ['a tag value over 256 characters', { tags: { reminderId: 'x'.repeat(257) } }],
    ['a tag named kind (set by the kind field)', { tags: { kind: 'other' } }],
    ['a kind SES refuses', { kind: 'staff invitation' }],
  ])('refuses %s before any request (rejected)', async (_, change) => {
    const mailer = sesMailer({ from: 'a@b.example', region: 'eu-west-3', sdk: () => ses });

    const error = await mailer
      .send({ to: 'x@example.test', subject: 's', text: 't', kind: 'k', ...change })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotSentError);
    expect(sendOutcome(error)).toBe('rejected');
    expect(sesMock.commandCalls(ses.SendEmailCommand)).toHaveLength(0);
  });

  it('accepts a tag value of exactly 256 characters', async () => {
    sesMock.on(ses.SendEmailCommand).resolves({ MessageId: 'ses-256' });
    const mailer = sesMailer({ from: 'a@b.example', region: 'eu-west-3', sdk: () => ses });

    await mailer.send({ to: 'x@example.test', subject: 's', text: 't', kind: 'k', tags: { id: 'x'.repeat(256) } });

    expect(sesMock.commandCalls(ses.SendEmailCommand)[0]?.args[0].input.EmailTags?.[1]?.Value).toHaveLength(256);
  });

  it('classifies a refusal by SES as rejected and a server error as unknown', async () => {
    const mailer = sesMailer({ from: 'a@b.example', region: 'eu-west-3', sdk: () => ses });
    const email = { to: 'x@example.test', subject: 's', text: 't', kind: 'k' };

    sesMock
      .on(ses.SendEmailCommand)
      .rejectsOnce(new ses.MessageRejected({ message: 'rejected', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(new ses.TooManyRequestsException({ message: 'slow down', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('Internal'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }))
      .rejectsOnce(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));

    const outcomes = [];
    for (let i = 0; i < 4; i += 1) outcomes.push(sendOutcome(await mailer.send(email).catch((e: unknown) => e)));

    expect(outcomes).toEqual(['rejected', 'rejected', 'unknown', 'unknown']);
  });
});

describe('outbox mailer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'centrum-mail-outbox-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the e-mail as <ulid>.json with its channel and recipient, keeping `to` for existing readers', async () => {
    const { messageId } = await outboxMailer(dir).send({
      to: 'patient@example.test',
      subject: 'Rappel',
      text: 'Bonjour',
      kind: 'appointment-reminder',
      tags: { reminderId: 'r1' },
    });

    expect(readdirSync(dir)).toEqual([`${messageId}.json`]);
    const path = join(dir, `${messageId}.json`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      messageId,
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      channel: 'email',
      recipient: 'patient@example.test',
      to: 'patient@example.test',
      subject: 'Rappel',
      text: 'Bonjour',
      kind: 'appointment-reminder',
      tags: { reminderId: 'r1' },
    });
  });

  it('refuses the tags SES would refuse, writing nothing', async () => {
    await expect(
      outboxMailer(dir).send({ to: 'x@example.test', subject: 's', text: 't', kind: 'k', tags: { 'a b': 'c' } }),
    ).rejects.toBeInstanceOf(NotSentError);
    expect(readdirSync(dir)).toEqual([]);
  });
});
