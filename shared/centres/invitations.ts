import { findInvitation, type Invitation } from '#shared/centres/repository';
import type { Centre } from '#shared/centres/schemas';
import { assertPractitioners, getCentre } from '#shared/centres/service';
import { config } from '#shared/config';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, notFound } from '#shared/errors';
import type { Actor, Role } from '#shared/identity/actor';
import { authorize } from '#shared/identity/policy';
import { membersOfCentre } from '#shared/identity/repository';
import { hashToken, newOpaqueToken } from '#shared/identity/tokens';
import { newId } from '#shared/ids';
import { logger } from '#shared/logger';
import { mailer } from '#shared/messaging/mailer';

/**
 * Staff invitations (P2, P3). The acceptance token proves that the invitee owns the e-mail
 * address: it is e-mailed to them, stored only as a hash, and never shown to the inviting manager
 * (who could otherwise join in the invitee's name or claim an address that is not theirs).
 */
export const INVITATION_DAYS = 7;

type InvitationInput = { email: string; role: Role; servedPractitionerIds?: string[] | undefined };

export function publicInvitation(invitation: Invitation) {
  const { tokenHash, invitedBy, centreId, ...rest } = invitation;
  return rest;
}

const expiry = (now: Date) => ({
  expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86400_000).toISOString(),
  ttl: Math.floor(now.getTime() / 1000) + INVITATION_DAYS * 86400 + 86400,
});

/** The look-up item by token hash: a copy of the invitation's fixed fields, one read to accept. */
function tokenPut(invitation: Invitation, centreName: string, ttl: number): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.invitationToken(invitation.tokenHash),
        entity: 'InvitationToken',
        invitationId: invitation.invitationId,
        centreId: invitation.centreId,
        centreName,
        email: invitation.email,
        role: invitation.role,
        servedPractitionerIds: invitation.servedPractitionerIds,
        expiresAt: invitation.expiresAt,
        ttl,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Records a pending invitation and returns its token, without sending anything. The API sends it
 * by e-mail (createInvitation); the demo seed and tests accept it directly.
 */
export async function issueInvitation(actor: Actor, input: InvitationInput) {
  authorize(actor, 'invitation:manage');
  const served = input.role === 'secretary' ? [...new Set(input.servedPractitionerIds ?? [])] : [];
  const [centre, members] = await Promise.all([getCentre(actor), membersOfCentre(actor.centreId, 1000)]);
  if (served.length) assertPractitioners(members.items, served, 'body.servedPractitionerIds');
  if (members.items.some((m) => m.email === input.email)) {
    throw conflict('already_member', 'This person is already a member of the centre', {
      fields: [{ field: 'body.email', message: 'already a member' }],
    });
  }
  const token = newOpaqueToken();
  const now = new Date();
  const { expiresAt, ttl } = expiry(now);
  const invitation: Invitation = {
    invitationId: newId(),
    centreId: actor.centreId,
    email: input.email,
    role: input.role,
    servedPractitionerIds: served,
    status: 'pending',
    tokenHash: hashToken(token),
    invitedBy: actor.userId,
    createdAt: now.toISOString(),
    expiresAt,
  };
  await transactWrite([
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.invitation(actor.centreId, invitation.invitationId), entity: 'Invitation', ...invitation },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    tokenPut(invitation, centre.name, ttl),
  ]);
  return { invitation, token, centre };
}

/** POST /centre/invitations: records the invitation and e-mails the link to the invitee. */
export async function createInvitation(actor: Actor, input: InvitationInput) {
  const { invitation, token, centre } = await issueInvitation(actor, input);
  return { ...publicInvitation(invitation), delivery: await deliver(invitation, token, centre) };
}

/** An invitation of the actor's centre that may still be resent or revoked. */
async function pendingInvitation(actor: Actor, invitationId: string) {
  authorize(actor, 'invitation:manage');
  const invitation = await findInvitation(actor.centreId, invitationId);
  if (!invitation) throw notFound('invitation');
  if (invitation.status !== 'pending')
    throw conflict('invitation_not_pending', `The invitation is already ${invitation.status}`);
  return invitation;
}

/**
 * A new link for a pending invitation (lost e-mail, expired link): the previous token stops
 * working, the expiry starts again, and the link is e-mailed.
 */
export async function resendInvitation(actor: Actor, invitationId: string) {
  const current = await pendingInvitation(actor, invitationId);
  const centre = await getCentre(actor);
  const token = newOpaqueToken();
  const { expiresAt, ttl } = expiry(new Date());
  const invitation: Invitation = { ...current, tokenHash: hashToken(token), expiresAt };
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.invitation(actor.centreId, invitationId),
          UpdateExpression: 'SET tokenHash = :new, expiresAt = :expires',
          ConditionExpression: '#status = :pending AND tokenHash = :old',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':new': invitation.tokenHash,
            ':old': current.tokenHash,
            ':expires': expiresAt,
            ':pending': 'pending',
          },
        },
      },
      { Delete: { TableName: tableName, Key: keys.invitationToken(current.tokenHash) } },
      tokenPut(invitation, centre.name, ttl),
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).length)
      throw conflict('invitation_not_pending', 'The invitation was accepted, revoked or resent meanwhile');
    throw error;
  }
  return { ...publicInvitation(invitation), delivery: await deliver(invitation, token, centre) };
}

export async function revokeInvitation(actor: Actor, invitationId: string) {
  const invitation = await pendingInvitation(actor, invitationId);
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.invitation(actor.centreId, invitationId),
          UpdateExpression: 'SET #status = :revoked',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':revoked': 'revoked', ':pending': 'pending' },
        },
      },
      { Delete: { TableName: tableName, Key: keys.invitationToken(invitation.tokenHash) } },
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).length)
      throw conflict('invitation_not_pending', 'The invitation is no longer pending');
    throw error;
  }
}

/**
 * Sends the invitation e-mail. The invitation stays valid when sending fails: the answer says so
 * and the manager can resend. The address never goes to the logs.
 */
async function deliver(invitation: Invitation, token: string, centre: Centre): Promise<'sent' | 'failed'> {
  try {
    await mailer().send({
      to: invitation.email,
      kind: 'staff-invitation',
      ...invitationEmail(invitation, token, centre),
    });
    return 'sent';
  } catch (error) {
    logger.error('invitation e-mail not sent', { invitationId: invitation.invitationId, error: error as Error });
    return 'failed';
  }
}

/** The link carries the token in the fragment, which browsers never send to a server. */
export const invitationLink = (token: string) => `${config.appBaseUrl}/invitations/accept#token=${token}`;

const roleNames: Record<Centre['locale'], Record<Role, string>> = {
  'fr-BE': { manager: 'gestionnaire', practitioner: 'praticien·ne', secretary: 'secrétaire' },
  'fr-FR': { manager: 'gestionnaire', practitioner: 'praticien·ne', secretary: 'secrétaire' },
  'nl-BE': { manager: 'beheerder', practitioner: 'zorgverlener', secretary: 'secretariaat' },
  'de-BE': { manager: 'Verwaltung', practitioner: 'Therapeut·in', secretary: 'Sekretariat' },
  en: { manager: 'manager', practitioner: 'practitioner', secretary: 'secretary' },
};

/** The e-mail, in the centre's language. */
export function invitationEmail(invitation: Invitation, token: string, centre: Centre) {
  const link = invitationLink(token);
  const role = roleNames[centre.locale][invitation.role];
  const until = invitation.expiresAt.slice(0, 10);
  switch (centre.locale) {
    case 'fr-BE':
    case 'fr-FR':
      return {
        subject: `Invitation à rejoindre ${centre.name} sur Centrum`,
        text: `Bonjour,\n\n${centre.name} vous invite à rejoindre son équipe sur Centrum en tant que ${role}.\n\nAcceptez l'invitation ici (valable jusqu'au ${until}) :\n${link}\n\nSi vous n'attendiez pas cette invitation, ignorez ce message.\n`,
      };
    case 'nl-BE':
      return {
        subject: `Uitnodiging om ${centre.name} te vervoegen op Centrum`,
        text: `Goedendag,\n\n${centre.name} nodigt u uit om het team op Centrum te vervoegen als ${role}.\n\nAanvaard de uitnodiging hier (geldig tot ${until}):\n${link}\n\nVerwachtte u deze uitnodiging niet, negeer dan dit bericht.\n`,
      };
    case 'de-BE':
      return {
        subject: `Einladung zu ${centre.name} auf Centrum`,
        text: `Guten Tag,\n\n${centre.name} lädt Sie ein, dem Team auf Centrum als ${role} beizutreten.\n\nNehmen Sie die Einladung hier an (gültig bis ${until}):\n${link}\n\nWenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese Nachricht.\n`,
      };
    case 'en':
      return {
        subject: `Invitation to join ${centre.name} on Centrum`,
        text: `Hello,\n\n${centre.name} invites you to join its team on Centrum as ${role}.\n\nAccept the invitation here (valid until ${until}):\n${link}\n\nIf you did not expect this invitation, ignore this message.\n`,
      };
  }
}
