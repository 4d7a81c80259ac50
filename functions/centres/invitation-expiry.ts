import type { Item } from '#shared/db/table';
import type { JobSummary, QueuedMessage, ScheduledRun } from '#shared/jobs/pipeline';
import { logger } from '#shared/logger';
import { mailer } from '#shared/messaging/mailer';
import {
  claimExpiryNotice,
  findCentre,
  findInvitation,
  findMembership,
  type Invitation,
  invitationFromItem,
  invitationsExpiredBefore,
  membersOfCentre,
  releaseExpiryNotice,
} from './repository';
import type { Centre, ExpiredInvitation, ExpiryPayload, Membership } from './schemas';

/**
 * Invitations that expire unaccepted (P2): the person who sent one is told, once, so that they can
 * resend it or invite someone else. A daily schedule finds the expired ones across centres (a sparse
 * index by expiry day) and queues one message each; the worker claims the notice (a conditional
 * write: a message delivered twice, or two runs of the schedule, send one e-mail) and e-mails the
 * inviter, or the centre's managers when the inviter is no longer an active member.
 */
const DAY_MS = 86_400_000;

/** The schedule: every invitation that expired before `now` (the run's intended time) and was not notified. */
export async function notifyExpiredInvitations(run: ScheduledRun<ExpiryPayload>): Promise<JobSummary> {
  const before = run.now.toISOString();
  const expired: ExpiredInvitation[] = [];
  for (let back = run.payload.lookbackDays; back >= 0; back--) {
    const day = new Date(run.now.getTime() - back * DAY_MS).toISOString().slice(0, 10);
    let startKey: Item | undefined;
    do {
      const page = await invitationsExpiredBefore(day, before, startKey);
      for (const item of page.items) {
        const { centreId, invitationId } = invitationFromItem(item);
        expired.push({ centreId, invitationId, asOf: before });
      }
      startKey = page.lastKey;
    } while (startKey);
  }
  await run.enqueue('invitation-expired', expired);
  return { daysScanned: run.payload.lookbackDays + 1, expiredInvitations: expired.length, queued: expired.length };
}

/** The worker: one expired invitation, one notice. */
export async function sendExpiryNotice({ message }: QueuedMessage<ExpiredInvitation>): Promise<void> {
  const invitation = await findInvitation(message.centreId, message.invitationId);
  // Accepted, revoked, resent with a later expiry, or already notified: nothing to say. "Expired"
  // is judged as of the run that found it, so a message means the same whenever it is delivered.
  const { asOf } = message;
  if (!invitation || invitation.status !== 'pending' || invitation.expiresAt > asOf || invitation.expiryNotifiedAt)
    return;
  if (!(await claimExpiryNotice(invitation, asOf))) return;
  let sent = 0;
  try {
    const [centre, recipients] = await Promise.all([findCentre(invitation.centreId), recipientsOf(invitation)]);
    if (!centre) return;
    for (const recipient of recipients) {
      await mailer().send({ to: recipient.email, kind: 'invitation-expired', ...expiryEmail(invitation, centre) });
      sent += 1;
    }
  } catch (error) {
    // Nothing sent: give the claim back, so that SQS's next delivery tries again. Sent to some of
    // the managers only: keep the claim (the others are not told, rather than the first told twice).
    if (sent > 0) {
      logger.warn('expiry notice sent to some recipients only', { invitationId: invitation.invitationId, sent });
      return;
    }
    await releaseExpiryNotice(invitation);
    throw error;
  }
}

/** The inviter if still an active member, else the centre's active managers. */
async function recipientsOf(invitation: Invitation): Promise<Membership[]> {
  const inviter = await findMembership(invitation.centreId, invitation.invitedBy);
  if (inviter?.status === 'active') return [inviter];
  const members = await membersOfCentre(invitation.centreId, 1000);
  return members.items.filter((m) => m.role === 'manager' && m.status === 'active');
}

/** The notice, in the centre's language. It names the address invited, never anything clinical. */
export function expiryEmail(invitation: Invitation, centre: Centre) {
  const day = invitation.expiresAt.slice(0, 10);
  switch (centre.locale) {
    case 'fr-BE':
    case 'fr-FR':
      return {
        subject: `Invitation expirée : ${invitation.email}`,
        text: `Bonjour,\n\nL'invitation envoyée à ${invitation.email} pour rejoindre ${centre.name} sur Centrum a expiré le ${day} sans avoir été acceptée.\n\nVous pouvez la renvoyer depuis la liste des invitations de votre centre.\n`,
      };
    case 'nl-BE':
      return {
        subject: `Uitnodiging verlopen: ${invitation.email}`,
        text: `Goedendag,\n\nDe uitnodiging voor ${invitation.email} om ${centre.name} op Centrum te vervoegen is op ${day} verlopen zonder te zijn aanvaard.\n\nU kunt ze opnieuw versturen vanuit de lijst met uitnodigingen van uw centrum.\n`,
      };
    case 'de-BE':
      return {
        subject: `Einladung abgelaufen: ${invitation.email}`,
        text: `Guten Tag,\n\nDie Einladung an ${invitation.email}, ${centre.name} auf Centrum beizutreten, ist am ${day} abgelaufen, ohne angenommen zu werden.\n\nSie können sie in der Liste der Einladungen Ihres Zentrums erneut senden.\n`,
      };
    case 'en':
      return {
        subject: `Invitation expired: ${invitation.email}`,
        text: `Hello,\n\nThe invitation sent to ${invitation.email} to join ${centre.name} on Centrum expired on ${day} without being accepted.\n\nYou can resend it from your centre's list of invitations.\n`,
      };
  }
}
