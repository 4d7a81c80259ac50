import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Sns from '@aws-sdk/client-sns';
import { config } from '#shared/config';
import { newId } from '#shared/ids';
import { NotSentError } from './outcome';

/**
 * Outgoing SMS, behind one small port, like e-mail (mailer.ts). Deployed: Amazon SNS (Publish to a
 * phone number). Locally and in tests: the outbox folder, where each message is a JSON file.
 * A failed send is classified by `sendOutcome` (outcome.ts).
 */
export interface Sms {
  /** E.164, e.g. `+32470123456`. */
  to: string;
  text: string;
  /** What kind of message this is (outbox file, logs): e.g. `appointment-reminder`. */
  kind: string;
  /**
   * Alphanumeric sender id shown instead of a number (3–11 letters or digits, at least one letter),
   * used only where the destination country allows it (`senderIdAllowed`).
   */
  senderId?: string | undefined;
}

export interface SmsSender {
  /** `messageId`: the provider's id (SNS MessageId; the file's ULID in the outbox). */
  send(sms: Sms): Promise<{ messageId: string }>;
}

type SnsModule = Pick<typeof Sns, 'SNSClient' | 'PublishCommand'>;

/**
 * Destination countries where the alphanumeric sender id is sent. Decision (the source of truth is
 * this list, not a lookup): alphanumeric sender ids are not supported in North America (US, CA),
 * nor used for China (CN); rules elsewhere vary by country and change, so the list is kept short on
 * purpose: the countries Centrum's patients mostly live in. Every other destination gets the SMS
 * from the origination identity SNS picks, without a sender id. Extend it only after checking the
 * country in AWS's SMS "supported countries and regions" table (sender id support, registration).
 */
const SENDER_ID_COUNTRIES: Readonly<Record<string, string>> = {
  BE: '32',
  FR: '33',
  LU: '352',
  NL: '31',
  DE: '49',
  CH: '41',
  GB: '44',
  ES: '34',
  IT: '39',
  PT: '351',
};
/**
 * Their calling codes. ITU calling codes are prefix-free, so an E.164 number belongs to the first
 * (only) one it starts with: no phone library in the sending function (its bundle: decision 0007).
 * +44 also serves the Crown Dependencies and +39 Vatican City, which accept sender ids the same way.
 */
const SENDER_ID_CODES = Object.values(SENDER_ID_COUNTRIES).map((code) => `+${code}`);

/** Whether an alphanumeric sender id may be used for this E.164 number (see SENDER_ID_COUNTRIES). */
export function senderIdAllowed(phone: string): boolean {
  return E164.test(phone) && SENDER_ID_CODES.some((code) => phone.startsWith(code));
}

const E164 = /^\+[1-9]\d{6,14}$/;
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$/;

/** Refuses, before any request, what SNS would refuse or mangle (so the outbox refuses it too). */
function check(sms: Sms): void {
  if (!E164.test(sms.to)) throw new NotSentError('SMS recipient is not an E.164 phone number');
  if (sms.text.length === 0) throw new NotSentError('SMS text is empty');
  if (sms.senderId !== undefined && !SENDER_ID.test(sms.senderId)) {
    throw new NotSentError('SMS sender id must be 3 to 11 letters or digits, with at least one letter');
  }
}

/**
 * The SNS client is loaded lazily, from the Lambda runtime's own SDK (CommonJS resolution honours
 * NODE_PATH; see infra/bundling.ts), so it costs nothing at cold start. Tests pass the module.
 *
 * One attempt only (`maxAttempts: 1`): the SDK would otherwise retry a timed-out or 5xx Publish,
 * and SNS has no idempotency key, so the patient could get the SMS twice. The caller decides on
 * retries from `sendOutcome` (outcome.ts).
 */
export function snsSmsSender(options: { region: string; sdk?: () => SnsModule }): SmsSender {
  const sdk = options.sdk ?? (() => createRequire(import.meta.url)('@aws-sdk/client-sns') as SnsModule);
  let client: InstanceType<SnsModule['SNSClient']> | undefined;
  return {
    async send(sms) {
      check(sms);
      const { SNSClient, PublishCommand } = sdk();
      client ??= new SNSClient({ region: options.region, maxAttempts: 1 });
      const out = await client.send(
        new PublishCommand({
          PhoneNumber: sms.to,
          Message: sms.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(sms.senderId && senderIdAllowed(sms.to)
              ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: sms.senderId } }
              : {}),
          },
        }),
      );
      return { messageId: out.MessageId ?? 'unknown' };
    },
  };
}

/**
 * Writes each message to `<dir>/<ulid>.json` (files sort in sending order), in the same folder as
 * the e-mails by default: `{ messageId, at, channel: 'sms', recipient, to, text, kind, senderId? }`
 * (`senderId` as given, whether or not SNS would use it for that country).
 */
export function outboxSmsSender(dir: string): SmsSender {
  return {
    async send(sms) {
      check(sms);
      const messageId = newId();
      mkdirSync(dir, { recursive: true });
      const file = {
        messageId,
        at: new Date().toISOString(),
        channel: 'sms',
        recipient: sms.to,
        to: sms.to,
        text: sms.text,
        kind: sms.kind,
        ...(sms.senderId !== undefined ? { senderId: sms.senderId } : {}),
      };
      writeFileSync(join(dir, `${messageId}.json`), JSON.stringify(file, null, 2), { mode: 0o600 });
      return { messageId };
    },
  };
}

let current: SmsSender | undefined;

/** The SMS sender of this runtime, chosen once from the configuration. */
export function smsSender(): SmsSender {
  current ??=
    config.sms.transport === 'sns' ? snsSmsSender({ region: config.region }) : outboxSmsSender(config.sms.outboxDir);
  return current;
}
