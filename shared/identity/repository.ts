import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  findEntity,
  getItem,
  type Item,
  queryCollection,
  queryIndex,
  stripKeys,
  type TransactItem,
} from '#shared/db/table';
import type { Role } from '#shared/identity/actor';
import type { Membership } from '#shared/identity/schemas';

/** Identity items: credentials, users, memberships, sessions, refresh tokens, sign-ins, devices. */
export interface Credential {
  email: string;
  userId: string;
  passwordHash: string;
  totpSecret?: string | undefined;
  totpPendingSecret?: string | undefined;
  lastTotpStep?: number | undefined;
}

export interface User {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  createdAt: string;
}

export const put = (item: Item, condition = 'attribute_not_exists(pk)'): TransactItem => ({
  Put: { TableName: tableName, Item: item, ConditionExpression: condition },
});

export const credentialPut = (credential: Credential) =>
  put({ ...keys.credential(credential.email), entity: 'Credential', ...credential });

export const userPut = (user: User) => put({ ...keys.user(user.userId), entity: 'User', ...user });

export const membershipPut = (membership: Omit<Membership, 'version'>) =>
  put({
    ...keys.membership(membership.centreId, membership.userId),
    ...keys.membershipsOfUserIndex(membership.userId, membership.centreId),
    entity: 'Membership',
    ...membership,
    version: 1,
  });

/** Memberships written before they had a version count as version 1. */
const toMembership = (item: Item) =>
  ({ ...stripKeys(item), version: typeof item.version === 'number' ? item.version : 1 }) as unknown as Membership;

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

export const findUser = (userId: string) => findEntity<User>(keys.user(userId));
export const findCredential = (email: string) => findEntity<Credential>(keys.credential(email), true);
export async function findMembership(centreId: string, userId: string): Promise<Membership | undefined> {
  const item = await getItem(keys.membership(centreId, userId), true);
  return item ? toMembership(item) : undefined;
}

export async function membershipsOfUser(userId: string): Promise<Membership[]> {
  const page = await queryIndex('gsi1', keys.membershipsOfUserIndex(userId).gsi1pk, '', { limit: 100 });
  return page.items.map(toMembership);
}

export async function membersOfCentre(centreId: string, limit = 100, startKey?: Item) {
  const page = await queryCollection(keys.membershipPrefix(centreId), { limit, startKey });
  return { items: page.items.map(toMembership), lastKey: page.lastKey };
}

export interface RefreshToken {
  tokenHash: string;
  sessionId: string;
  userId: string;
  centreId: string;
  role: Role;
  deviceKey: string;
  expiresAt: string;
  usedAt?: string;
}

export const findRefreshToken = (tokenHash: string) => findEntity<RefreshToken>(keys.refreshToken(tokenHash), true);

export const signInEvents = (userId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.signInPrefix(userId), { limit, startKey, newestFirst: true });

export const devices = (userId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.devicePrefix(userId), { limit, startKey });
