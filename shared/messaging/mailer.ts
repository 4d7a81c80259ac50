import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as SesV2 from '@aws-sdk/client-sesv2';
import { config } from '#shared/config';
import { newId } from '#shared/ids';

/**
 * Outgoing e-mail, behind one small port. Deployed: Amazon SES (v2 API). Locally and in tests:
 * an outbox folder where each message is written as a JSON file, so a developer (or a test) reads
 * the invitation link there instead of receiving it.
 */
export interface Email {
  to: string;
  subject: string;
  text: string;
  /** What kind of message this is (SES tag, outbox file): e.g. `staff-invitation`. */
  kind: string;
}

export interface Mailer {
  send(email: Email): Promise<{ messageId: string }>;
}

type SesModule = Pick<typeof SesV2, 'SESv2Client' | 'SendEmailCommand'>;

/**
 * The SES client is loaded lazily, from the Lambda runtime's own SDK (CommonJS resolution honours
 * NODE_PATH; see infra/bundling.ts), so it costs nothing at cold start. Tests pass the module.
 */
export function sesMailer(options: {
  from: string;
  region: string;
  configurationSet?: string | undefined;
  sdk?: () => SesModule;
}): Mailer {
  const sdk = options.sdk ?? (() => createRequire(import.meta.url)('@aws-sdk/client-sesv2') as SesModule);
  let client: InstanceType<SesModule['SESv2Client']> | undefined;
  return {
    async send(email) {
      const { SESv2Client, SendEmailCommand } = sdk();
      client ??= new SESv2Client({ region: options.region });
      const out = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          },
          EmailTags: [{ Name: 'kind', Value: email.kind }],
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        }),
      );
      return { messageId: out.MessageId ?? 'unknown' };
    },
  };
}

/** Writes each message to `<dir>/<ulid>.json` (files sort in sending order). */
export function outboxMailer(dir: string): Mailer {
  return {
    async send(email) {
      const messageId = newId();
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, `${messageId}.json`),
        JSON.stringify({ messageId, at: new Date().toISOString(), ...email }, null, 2),
        { mode: 0o600 },
      );
      return { messageId };
    },
  };
}

let current: Mailer | undefined;

/** The mailer of this runtime, chosen once from the configuration. */
export function mailer(): Mailer {
  current ??=
    config.mail.transport === 'ses'
      ? sesMailer({ from: config.mail.from, region: config.region, configurationSet: config.mail.configurationSet })
      : outboxMailer(config.mail.outboxDir);
  return current;
}
