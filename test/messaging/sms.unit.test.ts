import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sns from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config';
import { NotSentError, sendOutcome } from '#shared/messaging/outcome';
import { outboxSmsSender, senderIdAllowed, type Sms, snsSmsSender } from '#shared/messaging/sms';

// SNS cannot run here: its client is mocked (as SES in mailer.unit.test.ts).
const snsMock = mockClient(sns.SNSClient);

afterEach(() => {
  snsMock.reset();
});

const reminder: Sms = {
  to: '+32470123456',
  text: 'Rappel : rendez-vous demain à 9 h 30.',
  kind: 'appointment-reminder',
  senderId: 'Centrum',
};

describe('SNS SMS sender', () => {
  it('publishes a transactional SMS to the phone number, with the sender id where the country allows it', async () => {
    snsMock.on(sns.PublishCommand).resolves({ MessageId: 'sns-123' });
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    const sent = await sender.send(reminder);

    expect(sent).toEqual({ messageId: 'sns-123' });
    const calls = snsMock.commandCalls(sns.PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      PhoneNumber: '+32470123456',
      Message: 'Rappel : rendez-vous demain à 9 h 30.',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Centrum' },
      },
    });
  });

  it.each([
    ['North America (+1)', '+12025550123'],
    ['a country outside the short list (+86)', '+8613800138000'],
  ])('leaves the sender id out for %s', async (_, to) => {
    snsMock.on(sns.PublishCommand).resolves({ MessageId: 'sns-1' });
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    await sender.send({ ...reminder, to });

    expect(snsMock.commandCalls(sns.PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: to,
      Message: reminder.text,
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
  });

  it('sends no sender id when none is given', async () => {
    snsMock.on(sns.PublishCommand).resolves({ MessageId: 'sns-2' });
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    await sender.send({ to: '+33612345678', text: 't', kind: 'k' });

    expect(snsMock.commandCalls(sns.PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('loads the SDK only when sending, and builds one client, in the region, making a single attempt', async () => {
    snsMock.on(sns.PublishCommand).resolves({ MessageId: 'sns-3' });
    const configs: sns.SNSClientConfig[] = [];
    let loads = 0;
    class RecordingClient extends sns.SNSClient {
      constructor(config: sns.SNSClientConfig) {
        super(config);
        configs.push(config);
      }
    }
    const sender = snsSmsSender({
      region: 'eu-central-1',
      sdk: () => {
        loads += 1;
        return { SNSClient: RecordingClient, PublishCommand: sns.PublishCommand };
      },
    });
    expect(loads).toBe(0);

    await sender.send(reminder);
    await sender.send(reminder);

    expect(snsMock.commandCalls(sns.PublishCommand)).toHaveLength(2);
    expect(configs).toEqual([{ region: 'eu-central-1', maxAttempts: 1 }]);
  });

  it('lets a refusal by SNS reach the caller, classified as rejected', async () => {
    snsMock
      .on(sns.PublishCommand)
      .rejects(new sns.InvalidParameterException({ message: 'Invalid parameter: PhoneNumber', $metadata: {} }));
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    const error = await sender.send(reminder).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(sns.InvalidParameterException);
    expect((error as Error).message).toBe('Invalid parameter: PhoneNumber');
    expect(sendOutcome(error)).toBe('rejected');
  });

  it('lets a server error reach the caller, classified as unknown (the SMS may have gone)', async () => {
    snsMock
      .on(sns.PublishCommand)
      .rejects(new sns.InternalErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    const error = await sender.send(reminder).catch((e: unknown) => e);

    expect((error as Error).message).toBe('Internal error');
    expect(sendOutcome(error)).toBe('unknown');
  });

  it.each([
    ['a recipient that is not E.164', { to: '0470 12 34 56' }],
    ['an empty text', { text: '' }],
    ['a sender id with a space', { senderId: 'My Centre' }],
    ['a sender id longer than 11 characters', { senderId: 'CentrumBrussels' }],
    ['a sender id shorter than 3 characters', { senderId: 'CB' }],
    ['a sender id of digits only', { senderId: '12345' }],
  ])('refuses %s before any request (rejected)', async (_, change) => {
    const sender = snsSmsSender({ region: 'eu-west-3', sdk: () => sns });

    const error = await sender.send({ ...reminder, ...change }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotSentError);
    expect(sendOutcome(error)).toBe('rejected');
    expect(snsMock.commandCalls(sns.PublishCommand)).toHaveLength(0);
  });
});

describe('senderIdAllowed', () => {
  it.each([
    ['+32470123456', true], // BE
    ['+33612345678', true], // FR
    ['+352621123456', true], // LU
    ['+31612345678', true], // NL
    ['+4915123456789', true], // DE
    ['+41781234567', true], // CH
    ['+447911123456', true], // GB
    ['+34612345678', true], // ES
    ['+393123456789', true], // IT
    ['+351912345678', true], // PT
    ['+12025550123', false], // US
    ['+14165550123', false], // CA
    ['+8613800138000', false], // CN (not in the project's metadata either)
    ['+48512345678', false], // PL: known to the metadata, not in the list
    ['+262692123456', false], // RE: French overseas, not in the list
    ['not a phone', false],
  ])('%s → %s', (phone, allowed) => {
    expect(senderIdAllowed(phone)).toBe(allowed);
  });
});

describe('sendOutcome', () => {
  const providerError = (name: string, fields: object) => Object.assign(new Error(name), { name, ...fields });

  it.each([
    [
      'SNS InvalidParameterException (client fault)',
      new sns.InvalidParameterException({ message: 'x', $metadata: {} }),
    ],
    ['SNS ThrottledException, 400', new sns.ThrottledException({ message: 'x', $metadata: { httpStatusCode: 400 } })],
    [
      'SNS AuthorizationErrorException, 403',
      new sns.AuthorizationErrorException({ message: 'x', $metadata: { httpStatusCode: 403 } }),
    ],
    ['any 4xx answer', providerError('SomethingNew', { $metadata: { httpStatusCode: 429 } })],
    ['a known refusal without status or fault', providerError('MessageRejected', {})],
    ['a refusal before any request', new NotSentError('bad tag')],
  ])('%s: rejected', (_, error) => {
    expect(sendOutcome(error)).toBe('rejected');
  });

  it.each([
    ['a timeout', providerError('TimeoutError', { $metadata: { attempts: 1 } })],
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an aborted request', providerError('AbortError', {})],
    [
      'SNS InternalErrorException, 500',
      new sns.InternalErrorException({ message: 'x', $metadata: { httpStatusCode: 500 } }),
    ],
    [
      'a 503 without a known name',
      providerError('ServiceUnavailable', { $fault: 'server', $metadata: { httpStatusCode: 503 } }),
    ],
    [
      'an accepted (200) answer the SDK could not read',
      providerError('SyntaxError', { $metadata: { httpStatusCode: 200 } }),
    ],
    [
      'a refusal after SDK retries (an earlier attempt may have been accepted)',
      new sns.ThrottledException({ message: 'x', $metadata: { httpStatusCode: 400, attempts: 3 } }),
    ],
    ['a known name with a server fault', providerError('BadRequestException', { $fault: 'server' })],
    ['not an error object', 'boom'],
    ['nothing', undefined],
  ])('%s: unknown', (_, error) => {
    expect(sendOutcome(error)).toBe('unknown');
  });
});

describe('outbox SMS sender', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'centrum-sms-outbox-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each SMS as <ulid>.json, readable by its owner only', async () => {
    const before = Date.now();
    const { messageId } = await outboxSmsSender(dir).send(reminder);

    expect(messageId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(readdirSync(dir)).toEqual([`${messageId}.json`]);
    const path = join(dir, `${messageId}.json`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file).toEqual({
      messageId,
      at: expect.any(String),
      channel: 'sms',
      recipient: '+32470123456',
      to: '+32470123456',
      text: 'Rappel : rendez-vous demain à 9 h 30.',
      kind: 'appointment-reminder',
      senderId: 'Centrum',
    });
    expect(Date.parse(file.at)).toBeGreaterThanOrEqual(before - 1);
  });

  it('writes no senderId when none is given, and files sort in sending order', async () => {
    const outbox = outboxSmsSender(join(dir, 'nested'));
    const first = await outbox.send({ to: '+33612345678', text: 'un', kind: 'k' });
    const second = await outbox.send({ to: '+33612345678', text: 'deux', kind: 'k' });

    const files = readdirSync(join(dir, 'nested')).sort();
    expect(files).toEqual([`${first.messageId}.json`, `${second.messageId}.json`]);
    const file = JSON.parse(readFileSync(join(dir, 'nested', files[0]!), 'utf8'));
    expect(file).not.toHaveProperty('senderId');
    expect(file.text).toBe('un');
  });

  it('refuses what SNS would refuse, writing nothing', async () => {
    await expect(outboxSmsSender(dir).send({ ...reminder, to: '0470123456' })).rejects.toBeInstanceOf(NotSentError);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('SMS configuration', () => {
  it('uses SNS when deployed and the outbox with DynamoDB Local, in the e-mails’ folder by default', () => {
    expect(readConfig({}).sms).toEqual({ transport: 'sns', outboxDir: '.data/outbox' });
    expect(readConfig({ DYNAMODB_ENDPOINT: 'http://localhost:8000', MAIL_OUTBOX_DIR: '/tmp/mails' }).sms).toEqual({
      transport: 'outbox',
      outboxDir: '/tmp/mails',
    });
  });

  it('honours SMS_TRANSPORT and SMS_OUTBOX_DIR', () => {
    expect(readConfig({ DYNAMODB_ENDPOINT: 'http://localhost:8000', SMS_TRANSPORT: 'sns' }).sms.transport).toBe('sns');
    expect(readConfig({ SMS_TRANSPORT: 'outbox', SMS_OUTBOX_DIR: '/tmp/sms' }).sms).toEqual({
      transport: 'outbox',
      outboxDir: '/tmp/sms',
    });
  });
});
