import { createHmac, timingSafeEqual } from 'node:crypto';
import { centreLookup, membershipLookup } from '#contexts/centres';
import { answerFromReminder, appointmentLookup } from '#contexts/agenda';
import { cursorKey } from '#contexts/identity';
import type { AuditActor } from '#shared/audit/audit';
import { recordRead } from '#shared/audit/audit';
import { config } from '#shared/config';
import { batchLookup, updateItem } from '#shared/db/table';
import { DomainError, notFound } from '#shared/errors';
import { escapeHtml } from '#shared/http/html';
import type { Origin } from '#shared/origin';
import { reminderPlanner } from './planner';
import { findMessage, type StoredReminder } from './repository';

/**
 * Confirm / cancel links (decision 0021). A reminder carries one short link: our message id and a
 * 96-bit HMAC of it under the platform's signing key (42 characters: an SMS pays for every one).
 * Signed, so nothing is stored to issue one; single-purpose, because it answers only the
 * appointment of that reminder, and only while the appointment is still at the time it announced;
 * expiring with the appointment's start. Opening it (GET) shows the appointment and two buttons
 * and records the click; only a POST acts, so a link previewer or a mail scanner fetching the
 * address never confirms or cancels anything.
 */
const MAC_CHARS = 16;
const DOMAIN = 'centrum:reminder-link:';

async function macOf(messageId: string) {
  return createHmac('sha256', await cursorKey())
    .update(DOMAIN + messageId)
    .digest('base64url')
    .slice(0, MAC_CHARS);
}

export async function linkToken(messageId: string) {
  return `${messageId}${await macOf(messageId)}`;
}

export const linkUrl = (token: string, action?: 'confirm' | 'cancel') =>
  `${config.apiBaseUrl}/r/${token}${action ? `?a=${action}` : ''}`;

/** The message a token names, if its MAC is right and the appointment has not started. Else 404. */
async function messageOfToken(token: string): Promise<StoredReminder> {
  const messageId = token.slice(0, 26);
  const expected = Buffer.from(await macOf(messageId));
  const given = Buffer.from(token.slice(26));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw notFound('link');
  const message = await findMessage(messageId);
  if (!message || message.appointmentStart <= new Date().toISOString()) throw notFound('link');
  return message;
}

const holderOf = (m: StoredReminder): AuditActor => ({
  userId: m.messageId!,
  centreId: m.centreId,
  role: 'reminder-link',
});

const texts = {
  fr: {
    title: 'Votre rendez-vous',
    with: 'avec',
    confirm: 'Je confirme',
    cancel: 'J’annule',
    confirmed: 'Merci, votre rendez-vous est confirmé.',
    cancelled: 'Votre rendez-vous est annulé.',
    moved: 'Ce rendez-vous a été déplacé ou n’est plus modifiable. Contactez le centre.',
  },
  nl: {
    title: 'Uw afspraak',
    with: 'bij',
    confirm: 'Ik bevestig',
    cancel: 'Ik annuleer',
    confirmed: 'Dank u, uw afspraak is bevestigd.',
    cancelled: 'Uw afspraak is geannuleerd.',
    moved: 'Deze afspraak is verplaatst of kan niet meer worden gewijzigd. Neem contact op met het centrum.',
  },
  de: {
    title: 'Ihr Termin',
    with: 'bei',
    confirm: 'Ich bestätige',
    cancel: 'Ich sage ab',
    confirmed: 'Danke, Ihr Termin ist bestätigt.',
    cancelled: 'Ihr Termin ist abgesagt.',
    moved: 'Dieser Termin wurde verschoben oder kann nicht mehr geändert werden. Wenden Sie sich an das Zentrum.',
  },
  en: {
    title: 'Your appointment',
    with: 'with',
    confirm: 'I confirm',
    cancel: 'I cancel',
    confirmed: 'Thank you, your appointment is confirmed.',
    cancelled: 'Your appointment is cancelled.',
    moved: 'This appointment has moved or can no longer be changed. Please contact the centre.',
  },
} as const;

async function pageContext(m: StoredReminder) {
  const [centre, practitioner, appointment] = await batchLookup(
    centreLookup(m.centreId),
    membershipLookup(m.centreId, m.practitionerId),
    appointmentLookup(m.centreId, m.appointmentId),
  );
  if (!centre) throw notFound('link');
  // Still the appointment the reminder announced, and still open: else the page says so, no buttons.
  const current = appointment?.start === m.appointmentStart && ['booked', 'confirmed'].includes(appointment.status);
  const lang = centre.locale.slice(0, 2) as keyof typeof texts;
  const when = new Intl.DateTimeFormat(centre.locale, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: m.timeZone,
  }).format(new Date(m.appointmentStart));
  const who = practitioner ? `${practitioner.firstName} ${practitioner.lastName}` : '';
  return { centre, t: texts[lang] ?? texts.en, lang, when, who, current };
}

function page(lang: string, title: string, body: string) {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:32rem}button{font-size:1.1rem;padding:.6rem 1.2rem;margin:.4rem .4rem 0 0}.chosen{outline:3px solid #2a6}</style>
</head><body>${body}</body></html>
`;
}

/** GET /r/{token}: the appointment and the two buttons (the chosen one outlined); records the click. */
export async function openReminderLink(token: string, action: 'confirm' | 'cancel' | undefined, origin: Origin) {
  const m = await messageOfToken(token);
  const { centre, t, lang, when, who, current } = await pageContext(m);
  const at = new Date().toISOString();
  await Promise.all([
    updateItem({
      Key: { pk: m.pk, sk: m.sk },
      UpdateExpression: 'SET clickedAt = if_not_exists(clickedAt, :at) ADD clicks :one',
      ExpressionAttributeValues: { ':at': at, ':one': 1 },
    }),
    recordRead(holderOf(m), origin, {
      action: 'reminder.link.open',
      patientId: m.patientId,
      recordIds: [m.appointmentId],
    }),
  ]);
  const button = (a: 'confirm' | 'cancel') =>
    `<form method="post" action="/r/${escapeHtml(token)}/${a}" style="display:inline"><button${action === a ? ' class="chosen" autofocus' : ''}>${escapeHtml(t[a])}</button></form>`;
  return page(
    lang,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1><p><strong>${escapeHtml(when)}</strong>${who ? ` ${escapeHtml(t.with)} ${escapeHtml(who)}` : ''}<br>${escapeHtml(centre.name)}</p>${
      m.answer
        ? `<p>${escapeHtml(m.answer === 'confirmed' ? t.confirmed : t.cancelled)}</p>`
        : current
          ? `${button('confirm')}${button('cancel')}`
          : `<p>${escapeHtml(t.moved)}</p>`
    }`,
  );
}

/** POST /r/{token}/confirm|cancel: the patient's answer, through the agenda's own transaction. */
export async function answerReminder(token: string, action: 'confirm' | 'cancel', origin: Origin) {
  const m = await messageOfToken(token);
  const { t, lang, when } = await pageContext(m);
  try {
    await answerFromReminder(
      holderOf(m),
      m.appointmentId,
      { action, expectedStart: m.appointmentStart },
      origin,
      reminderPlanner,
    );
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'conflict')
      return page(lang, t.title, `<h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.moved)}</p>`);
    throw error;
  }
  const answer = action === 'confirm' ? 'confirmed' : 'cancelled';
  await updateItem({
    Key: { pk: m.pk, sk: m.sk },
    UpdateExpression: 'SET answer = :a, answeredAt = :at',
    ExpressionAttributeValues: { ':a': answer, ':at': new Date().toISOString() },
  });
  return page(
    lang,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1><p><strong>${escapeHtml(when)}</strong></p><p>${escapeHtml(answer === 'confirmed' ? t.confirmed : t.cancelled)}</p>`,
  );
}
