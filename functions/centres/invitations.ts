import { newAccount, proveExistingAccount, secondFactorEnrolment, type TotpEnrolment } from '#contexts/identity';
import type { Actor, Role } from '#shared/access/actor';
import { authorize } from '#shared/access/policy';
import { config } from '#shared/config';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, DomainError, notFound } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import { logger } from '#shared/logger';
import { mailer } from '#shared/messaging/mailer';
import { hashToken, newOpaqueToken } from '#shared/opaque-token';
import { internalOrigin, type Origin } from '#shared/origin';
import { getCentre } from './centre';
import {
  findInvitation,
  findInvitationToken,
  type Invitation,
  invitationFromItem,
  invitationPut,
  invitationsPage,
  invitationTokenPut,
  membersOfCentre,
  membershipPut,
} from './repository';
import type { Centre, InvitationInput } from './schemas';
import { assertPractitioners } from './staff';

/**
 * Staff invitations (P2, P3). The acceptance token proves that the invitee owns the e-mail
 * address: it is e-mailed to them, stored only as a hash, and never shown to the inviting manager
 * (who could otherwise join in the invitee's name or claim an address that is not theirs).
 */
export const INVITATION_DAYS = 7;

/** An invitation as the API shows it: never the token hash, nor who invited. */
export function publicInvitation(invitation: Invitation) {
  const { tokenHash, invitedBy, centreId, expiryNotifiedAt, ...rest } = invitation;
  return rest;
}

/** `{ gsi1pk, gsi1sk }` as expression values `:gsi1pk`, `:gsi1sk`. */
const prefixed = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));

const expiry = (now: Date) => ({
  expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86400_000).toISOString(),
  ttl: Math.floor(now.getTime() / 1000) + INVITATION_DAYS * 86400 + 86400,
});

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
  await transactWrite([invitationPut(invitation), invitationTokenPut(invitation, centre.name, ttl)]);
  return { invitation, token, centre };
}

/** POST /centre/invitations: records the invitation and e-mails the link to the invitee. */
export async function createInvitation(actor: Actor, input: InvitationInput) {
  const { invitation, token, centre } = await issueInvitation(actor, input);
  return { ...publicInvitation(invitation), delivery: await deliver(invitation, token, centre) };
}

export function listInvitations(actor: Actor, query: { limit: number; cursor?: string | undefined }, cursors: Cursors) {
  authorize(actor, 'invitation:manage');
  return cursors.page(
    `invitations:${actor.centreId}`,
    query.cursor,
    (start) => invitationsPage(actor.centreId, query.limit, start),
    (item) => publicInvitation(invitationFromItem(item)),
  );
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
          // A new expiry: back in the expiring index under its new day, to be notified again.
          UpdateExpression:
            'SET tokenHash = :new, expiresAt = :expires, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE expiryNotifiedAt',
          ConditionExpression: '#status = :pending AND tokenHash = :old',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':new': invitation.tokenHash,
            ':old': current.tokenHash,
            ':expires': expiresAt,
            ...prefixed(keys.invitationsExpiringIndex(expiresAt, actor.centreId, invitationId)),
            ':pending': 'pending',
          },
        },
      },
      { Delete: { TableName: tableName, Key: keys.invitationToken(current.tokenHash) } },
      invitationTokenPut(invitation, centre.name, ttl),
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
          UpdateExpression: 'SET #status = :revoked REMOVE gsi1pk, gsi1sk',
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
 * Accepting an invitation (P2): the invitee joins with a new account, or with the account their
 * e-mail already has (proven by its password, under the sign-in throttles). The membership, the
 * account (when new), the invitation's state and its token are written in one transaction.
 */
export async function acceptInvitation(
  input: { token: string; password: string; firstName?: string | undefined; lastName?: string | undefined },
  origin: Origin = internalOrigin('accept-invitation', 'domain'),
) {
  const tokenHash = hashToken(input.token);
  const invitation = await findInvitationToken(tokenHash);
  if (!invitation || invitation.expiresAt < new Date().toISOString()) throw notFound('invitation');
  const { email, centreId, role } = invitation;
  const existing = await proveExistingAccount(email, input.password, origin);

  let account: { userId: string; firstName: string; lastName: string; writes: TransactItem[]; totp?: TotpEnrolment };
  if (existing) {
    const enrolment = role === 'manager' && !existing.hasSecondFactor ? secondFactorEnrolment(email) : undefined;
    account = {
      ...existing,
      writes: enrolment ? [enrolment.write] : [],
      ...(enrolment ? { totp: enrolment.totp } : {}),
    };
  } else {
    const { firstName, lastName } = input;
    if (!firstName || !lastName) {
      throw new DomainError('validation', 'validation_failed', 'A new account needs a first and last name', {
        fields: [
          ...(firstName ? [] : [{ field: 'body.firstName', message: 'required for a new account' }]),
          ...(lastName ? [] : [{ field: 'body.lastName', message: 'required for a new account' }]),
        ],
      });
    }
    const created = await newAccount({
      email,
      password: input.password,
      firstName,
      lastName,
      secondFactor: role === 'manager',
    });
    account = { ...created, firstName, lastName, ...(created.totp ? { totp: created.totp } : {}) };
  }

  const now = new Date().toISOString();
  const membership = membershipPut({
    centreId,
    centreName: invitation.centreName,
    userId: account.userId,
    role,
    status: 'active',
    servedPractitionerIds: invitation.servedPractitionerIds ?? [],
    firstName: account.firstName,
    lastName: account.lastName,
    email,
    joinedAt: now,
  });
  const writes: TransactItem[] = [
    ...account.writes,
    membership,
    {
      Update: {
        TableName: tableName,
        Key: keys.invitation(centreId, invitation.invitationId),
        UpdateExpression: 'SET #status = :accepted, acceptedAt = :now, userId = :user REMOVE gsi1pk, gsi1sk',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':accepted': 'accepted',
          ':pending': 'pending',
          ':now': now,
          ':user': account.userId,
        },
      },
    },
    {
      Delete: {
        TableName: tableName,
        Key: keys.invitationToken(tokenHash),
        ConditionExpression: 'attribute_exists(pk)',
      },
    },
  ];
  try {
    await transactWrite(writes);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.length > 0) {
      const accountFailed = failed.some((index) => index < account.writes.length);
      if (failed.includes(account.writes.length))
        throw conflict('already_member', 'This account is already a member of the centre');
      if (accountFailed && existing)
        throw conflict('totp_enrolled_meanwhile', 'A second factor was enrolled meanwhile: accept again');
      if (accountFailed)
        throw conflict(
          'email_taken',
          'An account was created for this e-mail meanwhile: accept again with its password',
        );
      throw conflict('invitation_used', 'This invitation was already used or revoked');
    }
    throw error;
  }
  return { userId: account.userId, centreId, role, ...(account.totp ? { totp: account.totp } : {}) };
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
    logger.error('invitation e-mail not sent', {
      invitationId: invitation.invitationId,
      // The name only: a provider's message may quote the addressee.
      error: (error as Error).name,
    });
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
