import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { findEntity, type Item, queryCollection, queryIndex, stripKeys, type TransactItem } from '#shared/db/table';
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

export const membershipPut = (membership: Membership) =>
  put({
    ...keys.membership(membership.centreId, membership.userId),
    ...keys.membershipsOfUserIndex(membership.userId, membership.centreId),
    entity: 'Membership',
    ...membership,
  });

export const findUser = (userId: string) => findEntity<User>(keys.user(userId));
export const findCredential = (email: string) => findEntity<Credential>(keys.credential(email), true);
export const findMembership = (centreId: string, userId: string) =>
  findEntity<Membership>(keys.membership(centreId, userId), true);

export async function membershipsOfUser(userId: string): Promise<Membership[]> {
  const page = await queryIndex('gsi1', keys.membershipsOfUserIndex(userId).gsi1pk, '', { limit: 100 });
  return page.items.map((item) => stripKeys(item) as unknown as Membership);
}

export async function membersOfCentre(centreId: string, limit = 100, startKey?: Item) {
  const page = await queryCollection(keys.membershipPrefix(centreId), { limit, startKey });
  return { items: page.items.map((item) => stripKeys(item) as unknown as Membership), lastKey: page.lastKey };
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
