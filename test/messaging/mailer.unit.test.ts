import * as ses from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sesMailer } from '#shared/messaging/mailer';

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
