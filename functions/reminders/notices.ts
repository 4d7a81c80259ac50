import { activeManagerEmails, type Centre } from '#contexts/centres';
import { logger } from '#shared/logger';
import { mailer } from '#shared/messaging/mailer';
import type { Origin } from '#shared/origin';
import { putNotice } from './repository';

/**
 * What a centre must know about its messages, recorded once (the notice's id is its identity, so
 * two runs noticing the same thing record and e-mail it once) and e-mailed to its active managers:
 * the month's SMS cap reached (reminders fall back to e-mail), an SMS that failed twice. A notice
 * names the appointment and patient by id only, never their data.
 */
export async function notifySmsCap(centreId: string, month: string, centre: Centre, origin: Origin) {
  const notice = {
    noticeId: `${month}-01T00:00:00.000Z#sms_cap_reached`,
    kind: 'sms_cap_reached' as const,
    at: new Date().toISOString(),
    text: `The monthly SMS cap of ${centre.name} is reached for ${month}: reminders go by e-mail where the patient has an address, and are not sent otherwise. Raise the cap in the reminder rules to send SMS again.`,
  };
  if (await putNotice(centreId, notice))
    await tellManagers(centreId, `SMS cap reached (${month})`, notice.text, origin);
}

export async function reportFailure(
  r: { centreId: string; appointmentId: string; patientId: string; messageId: string; channel: string },
  reason: string,
  origin: Origin,
) {
  const at = new Date().toISOString();
  const notice = {
    noticeId: `${at}#message_failed#${r.messageId}`,
    kind: 'message_failed' as const,
    at,
    text: `A ${r.channel === 'sms' ? 'text message' : 'e-mail'} reminder could not be delivered (${reason}). The patient may not know about the appointment: see its messages.`,
    appointmentId: r.appointmentId,
    patientId: r.patientId,
  };
  if (await putNotice(r.centreId, notice)) await tellManagers(r.centreId, 'A reminder failed', notice.text, origin);
}

async function tellManagers(centreId: string, subject: string, text: string, origin: Origin) {
  try {
    const managers = await activeManagerEmails(centreId);
    await Promise.all(managers.map((to) => mailer().send({ to, subject, text, kind: 'reminder-notice' })));
  } catch (error) {
    // The notice is recorded and listed (listMessageNotices); the e-mail is a courtesy.
    logger.warn('reminder notice not e-mailed', {
      centreId,
      requestId: origin.requestId,
      error: (error as Error).name,
    });
  }
}

/**
 * Reminders the provider refused in one dispatch batch, told once per centre and batch (a refusal
 * of every message — credentials revoked, an account paused — is one notice, not hundreds).
 */
export async function reportRefusals(
  centreId: string,
  refused: { r: { appointmentId: string; patientId: string; messageId: string; channel: string }; reason: string }[],
  origin: Origin,
) {
  const [first] = refused;
  if (!first) return;
  if (refused.length === 1) return reportFailure({ ...first.r, centreId }, first.reason, origin);
  const at = new Date().toISOString();
  const reasons = [...new Set(refused.map((x) => x.reason))].join(', ');
  const notice = {
    noticeId: `${at}#message_failed#${first.r.messageId}`,
    kind: 'message_failed' as const,
    at,
    text: `${refused.length} reminders were refused by the provider and not sent (${reasons}). The patients may not know about their appointments: see the appointments' messages.`,
  };
  if (await putNotice(centreId, notice)) await tellManagers(centreId, 'Reminders were not sent', notice.text, origin);
}
