import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as SesV2 from '@aws-sdk/client-sesv2';
import { config } from '#shared/config';
import { newId } from '#shared/ids';
import { NotSentError } from './outcome';

/**
 * Outgoing e-mail, behind one small port. Deployed: Amazon SES (v2 API). Locally and in tests:
 * an outbox folder where each message is written as a JSON file, so a developer (or a test) reads
 * the invitation link there instead of receiving it.
 */
export interface Email {
  to: string;
  subject: string;
  text: string;
  /**
   * The same text as HTML, optional: SES tracks opens only in an HTML part (its configuration set
   * adds a pixel there) and clicks on its links.
   */
  html?: string | undefined;
  /** What kind of message this is (SES tag, outbox file): e.g. `staff-invitation`. */
  kind: string;
  /**
   * More SES message tags (e.g. `{ reminderId, centreId }`), sent with `kind`, so SES events
   * (configuration set) carry our ids in `mail.tags`. Names and values: letters, digits, `_` and
   * `-`, 1 to 256 characters (SES's rule); `kind` is not allowed here. A message with an invalid
   * tag is refused before sending (`NotSentError`), never sent with an altered id.
   */
  tags?: Record<string, string> | undefined;
}

export interface Mailer {
  send(email: Email): Promise<{ messageId: string }>;
}

type SesModule = Pick<typeof SesV2, 'SESv2Client' | 'SendEmailCommand'>;

const TAG = /^[A-Za-z0-9_-]{1,256}$/;

/** The message's SES tags, `kind` first; throws `NotSentError` for one SES would refuse. */
function emailTags(email: Email): { Name: string; Value: string }[] {
  const tags = [
    { Name: 'kind', Value: email.kind },
    ...Object.entries(email.tags ?? {}).map(([Name, Value]) => ({ Name, Value })),
  ];
  for (const [i, { Name, Value }] of tags.entries()) {
    if (i > 0 && Name === 'kind') throw new NotSentError('e-mail tag "kind" is set by the kind field');
    if (!TAG.test(Name) || !TAG.test(Value)) {
      throw new NotSentError(`e-mail tag ${JSON.stringify(Name)}: name and value must be 1 to 256 of A-Z a-z 0-9 _ -`);
    }
  }
  return tags;
}

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
      const tags = emailTags(email);
      const { SESv2Client, SendEmailCommand } = sdk();
      // One attempt: SES has no idempotency key, and an SDK retry after a timeout could send twice
      // (an unknown outcome is the caller's to handle: shared/messaging/outcome.ts).
      client ??= new SESv2Client({ region: options.region, maxAttempts: 1 });
      const out = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: email.text, Charset: 'UTF-8' },
                ...(email.html ? { Html: { Data: email.html, Charset: 'UTF-8' } } : {}),
              },
            },
          },
          EmailTags: tags,
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        }),
      );
      return { messageId: out.MessageId ?? 'unknown' };
    },
  };
}

/**
 * Writes each message to `<dir>/<ulid>.json` (files sort in sending order):
 * `{ messageId, at, channel: 'email', recipient, to, subject, text, kind, tags? }` (`to` kept for
 * existing readers; `channel` and `recipient` shared with the SMS outbox, which may be the same folder).
 */
export function outboxMailer(dir: string): Mailer {
  return {
    async send(email) {
      emailTags(email);
      const messageId = newId();
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, `${messageId}.json`),
        JSON.stringify(
          { messageId, at: new Date().toISOString(), channel: 'email', recipient: email.to, ...email },
          null,
          2,
        ),
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
