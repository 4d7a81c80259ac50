import type { Grant } from '#contexts/identity';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  getItem,
  isConditionalCheckFailure,
  type Item,
  type Lookup,
  queryCollection,
  queryIndex,
  queryPage,
  stripKeys,
  type TransactItem,
  updateItem,
} from '#shared/db/table';
import type { Centre, Licence, Membership } from './schemas';

/**
 * Centre, membership, invitation and licence items (keys: docs/DATA_MODEL.md). Each entity becomes
 * its domain type in one function below.
 */
const centreFromItem = (item: Item) => stripKeys(item) as unknown as Centre;
/** Memberships written before they had a version count as version 1. */
const membershipFromItem = (item: Item): Membership =>
  ({ ...stripKeys(item), version: typeof item.version === 'number' ? item.version : 1 }) as unknown as Membership;
export const licenceFromItem = (item: Item) => stripKeys(item) as unknown as Licence;
const invitationFromItem = (item: Item) => stripKeys(item) as unknown as Invitation;

// --- Centres ---------------------------------------------------------------------------------

export function centrePut(centre: Centre): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.centre(centre.centreId),
        ...keys.activeCentresIndex(centre.centreId),
        entity: 'Centre',
        ...centre,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A centre, to read with other items in one BatchGetItem (shared/db/table.ts `batchLookup`). */
export const centreLookup = (centreId: string): Lookup<Centre | undefined> => ({
  key: keys.centre(centreId),
  read: (item) => (item ? centreFromItem(item) : undefined),
});

/** A member of a centre, to read with other items in one BatchGetItem. */
export const membershipLookup = (centreId: string, userId: string): Lookup<Membership | undefined> => ({
  key: keys.membership(centreId, userId),
  read: (item) => (item ? membershipFromItem(item) : undefined),
});

export async function findCentre(centreId: string) {
  const item = await getItem(keys.centre(centreId));
  return item ? centreFromItem(item) : undefined;
}

/** Replaces the profile if the stored version is the expected one; false on a stale version. */
export async function saveCentreProfile(centre: Centre, expectedVersion: number): Promise<boolean> {
  const { centreId, createdAt, status, kind, ...profile } = centre;
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion };
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(profile)) {
    names[`#${field}`] = field;
    if (value === undefined) removes.push(`#${field}`);
    else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  try {
    await updateItem({
      Key: keys.centre(centreId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

// --- Memberships -------------------------------------------------------------------------------

export const membershipPut = (membership: Omit<Membership, 'version'>): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      ...keys.membership(membership.centreId, membership.userId),
      ...keys.membershipsOfUserIndex(membership.userId, membership.centreId),
      entity: 'Membership',
      ...membership,
      version: 1,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/**
 * Saves a member's role, status and served practitioners if the membership is still at the
 * version read (optimistic locking); an item without a version is at version 1.
 */
export function membershipUpdate(membership: Membership, expectedVersion: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.membership(membership.centreId, membership.userId),
      UpdateExpression: 'SET #role = :role, #status = :status, servedPractitionerIds = :served, #version = :next',
      ConditionExpression:
        expectedVersion === 1
          ? 'attribute_exists(pk) AND (#version = :expected OR attribute_not_exists(#version))'
          : 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: { '#role': 'role', '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: {
        ':role': membership.role,
        ':status': membership.status,
        ':served': membership.servedPractitionerIds,
        ':expected': expectedVersion,
        ':next': expectedVersion + 1,
      },
    },
  };
}

/** Holds a transaction to a member still being an active manager when it commits. */
export function stillActiveManager(centreId: string, userId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.membership(centreId, userId),
      ConditionExpression: '#role = :manager AND #status = :active',
      ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
      ExpressionAttributeValues: { ':manager': 'manager', ':active': 'active' },
    },
  };
}

export async function findMembership(centreId: string, userId: string): Promise<Membership | undefined> {
  const item = await getItem(keys.membership(centreId, userId), true);
  return item ? membershipFromItem(item) : undefined;
}

export async function membershipsOfUser(userId: string): Promise<Membership[]> {
  const page = await queryIndex('gsi1', keys.membershipsOfUserIndex(userId).gsi1pk, '', { limit: 100 });
  return page.items.map(membershipFromItem);
}

export const membersPage = (centreId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.membershipPrefix(centreId), { limit, startKey });

export async function membersOfCentre(centreId: string, limit = 100, startKey?: Item) {
  const page = await membersPage(centreId, limit, startKey);
  return { items: page.items.map(membershipFromItem), lastKey: page.lastKey };
}

export { membershipFromItem };

/** The e-mail addresses of a centre's active managers (one Query: a centre has at most a few hundred members). */
export async function activeManagerEmails(centreId: string): Promise<string[]> {
  const members = await membersOfCentre(centreId, 1000);
  return members.items.filter((m) => m.role === 'manager' && m.status === 'active').map((m) => m.email);
}

/** A membership as the identity context reads it to sign in (its port). */
export const grantOf = (m: Membership): Grant => ({
  centreId: m.centreId,
  centreName: m.centreName,
  userId: m.userId,
  role: m.role,
  status: m.status,
  servedPractitionerIds: m.servedPractitionerIds,
});

// --- Licences ----------------------------------------------------------------------------------

export function licenceItem(licence: Licence): Item {
  return {
    ...keys.licence(licence.centreId, licence.licenceId),
    ...(licence.practitionerId && licence.status === 'active'
      ? keys.licencesOfPractitionerIndex(licence.centreId, licence.practitionerId, licence.licenceId)
      : {}),
    entity: 'Licence',
    ...licence,
  };
}

export async function findLicence(centreId: string, licenceId: string) {
  const item = await getItem(keys.licence(centreId, licenceId));
  return item ? licenceFromItem(item) : undefined;
}

export function licencesPage(centreId: string, practitionerId: string | undefined, limit: number, startKey?: Item) {
  if (!practitionerId) return queryCollection(keys.licencePrefix(centreId), { limit, startKey });
  const index = keys.licencesOfPractitionerIndex(centreId, practitionerId);
  return queryIndex('gsi2', index.gsi2pk, index.gsi2sk, { limit, startKey });
}

// --- Invitations -------------------------------------------------------------------------------

export interface Invitation {
  invitationId: string;
  centreId: string;
  email: string;
  role: 'manager' | 'practitioner' | 'secretary';
  servedPractitionerIds: string[];
  status: 'pending' | 'accepted' | 'revoked';
  tokenHash: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  userId?: string;
  acceptedAt?: string;
  /** When the inviter was told the invitation expired unaccepted (invitation-expiry job). */
  expiryNotifiedAt?: string;
}

/** The look-up item by token hash: a copy of the invitation's fixed fields, so acceptance needs one read. */
export type InvitationToken = Pick<
  Invitation,
  'invitationId' | 'centreId' | 'email' | 'role' | 'servedPractitionerIds' | 'expiresAt'
> & { centreName: string };

export function invitationPut(invitation: Invitation): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.invitation(invitation.centreId, invitation.invitationId),
        ...keys.invitationsExpiringIndex(invitation.expiresAt, invitation.centreId, invitation.invitationId),
        entity: 'Invitation',
        ...invitation,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export function invitationTokenPut(invitation: Invitation, centreName: string, ttl: number): TransactItem {
  const token: InvitationToken = {
    invitationId: invitation.invitationId,
    centreId: invitation.centreId,
    centreName,
    email: invitation.email,
    role: invitation.role,
    servedPractitionerIds: invitation.servedPractitionerIds,
    expiresAt: invitation.expiresAt,
  };
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.invitationToken(invitation.tokenHash), entity: 'InvitationToken', ...token, ttl },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export async function findInvitation(centreId: string, invitationId: string) {
  const item = await getItem(keys.invitation(centreId, invitationId));
  return item ? invitationFromItem(item) : undefined;
}

export async function findInvitationToken(tokenHash: string) {
  const item = await getItem(keys.invitationToken(tokenHash), true);
  return item ? (stripKeys(item) as unknown as InvitationToken) : undefined;
}

export const invitationsPage = (centreId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.invitationPrefix(centreId), { limit, startKey });

/** Pending, not yet notified invitations of every centre that expired on a UTC day before an instant. */
export function invitationsExpiredBefore(day: string, before: string, startKey?: Item) {
  return queryPage({
    index: 'gsi1',
    partition: { name: 'gsi1pk', value: keys.invitationsExpiringIndex(day).gsi1pk },
    sort: { name: 'gsi1sk', before },
    // A day's expiries platform-wide in one page (the run's budget assumes it; beyond, it pages on).
    limit: 1000,
    startKey,
  });
}

/**
 * Claims the expiry notice of an invitation: only while it is still pending with the same expiry
 * (not resent meanwhile) and nobody claimed it. Leaves the expiring index. False when not claimed.
 */
export async function claimExpiryNotice(invitation: Invitation, asOf: string): Promise<boolean> {
  try {
    await updateItem({
      Key: keys.invitation(invitation.centreId, invitation.invitationId),
      UpdateExpression: 'SET expiryNotifiedAt = :now REMOVE gsi1pk, gsi1sk',
      ConditionExpression:
        '#status = :pending AND expiresAt = :expiresAt AND expiresAt <= :asOf AND attribute_not_exists(expiryNotifiedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pending': 'pending',
        ':expiresAt': invitation.expiresAt,
        ':asOf': asOf,
        ':now': new Date().toISOString(),
      },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Gives a claimed notice back (the e-mail could not be sent): the next delivery tries again. */
export async function releaseExpiryNotice(invitation: Invitation) {
  const index = keys.invitationsExpiringIndex(invitation.expiresAt, invitation.centreId, invitation.invitationId);
  await updateItem({
    Key: keys.invitation(invitation.centreId, invitation.invitationId),
    UpdateExpression: 'SET gsi1pk = :pk, gsi1sk = :sk REMOVE expiryNotifiedAt',
    ConditionExpression: '#status = :pending AND expiresAt = :expiresAt',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':pending': 'pending',
      ':expiresAt': invitation.expiresAt,
      ':pk': index.gsi1pk,
      ':sk': index.gsi1sk,
    },
  }).catch((error) => {
    if (!isConditionalCheckFailure(error)) throw error;
  });
}

export { invitationFromItem };
