import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Email } from '#shared/messaging/mailer';

/** Test-only: the e-mails this test file's runtime "sent" (the outbox mailer's files), oldest first. */
export function sentEmails(): (Email & { messageId: string; at: string })[] {
  const dir = process.env.MAIL_OUTBOX_DIR;
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
    .filter((m: { channel?: string }) => m.channel !== 'sms');
}

/** Test-only: the SMS this runtime "sent" (the outbox SMS sender's files), oldest first. */
export function sentSms(): { messageId: string; at: string; to: string; text: string; kind: string }[] {
  const dir = process.env.SMS_OUTBOX_DIR ?? process.env.MAIL_OUTBOX_DIR;
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
    .filter((m: { channel?: string }) => m.channel === 'sms');
}

/** The last e-mail sent to an address, or an error naming the address. */
export function lastEmailTo(address: string) {
  const email = sentEmails()
    .filter((e) => e.to === address)
    .at(-1);
  if (!email) throw new Error(`no e-mail was sent to ${address}`);
  return email;
}

/** The invitation token carried by the acceptance link of an e-mail. */
export function invitationTokenIn(email: { text: string }) {
  const token = /\/invitations\/accept#token=([\w-]+)/.exec(email.text)?.[1];
  if (!token) throw new Error('no invitation link in the e-mail');
  return token;
}

/** The sign-up token carried by the confirmation link of an e-mail. */
export function signUpTokenIn(email: { text: string }) {
  const token = /\/sign-up\/confirm#token=([\w-]+)/.exec(email.text)?.[1];
  if (!token) throw new Error('no sign-up confirmation link in the e-mail');
  return token;
}
