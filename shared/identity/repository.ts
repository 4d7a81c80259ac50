import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { getItem, type Item, queryPage, stripKeys, type TransactItem } from '#shared/db/table';
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

export async function findUser(userId: string) {
  const item = await getItem(keys.user(userId));
  return item ? (stripKeys(item) as unknown as User) : undefined;
}

export async function findCredential(email: string) {
  const item = await getItem(keys.credential(email), true);
  return item ? (stripKeys(item) as unknown as Credential) : undefined;
}

export async function findMembership(centreId: string, userId: string) {
  const item = await getItem(keys.membership(centreId, userId), true);
  return item ? (stripKeys(item) as unknown as Membership) : undefined;
}

export async function membershipsOfUser(userId: string): Promise<Membership[]> {
  const index = keys.membershipsOfUserIndex(userId);
  const page = await queryPage<Item>({
    index: 'gsi1',
    partition: { name: 'gsi1pk', value: index.gsi1pk },
    limit: 100,
  });
  return page.items.map((item) => stripKeys(item) as unknown as Membership);
}

export async function membersOfCentre(centreId: string, limit = 100, startKey?: Item) {
  const prefix = keys.membershipPrefix(centreId);
  const page = await queryPage<Item>({
    partition: { name: 'pk', value: prefix.pk },
    sort: { name: 'sk', beginsWith: prefix.skPrefix },
    limit,
    startKey,
  });
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

export async function findRefreshToken(tokenHash: string) {
  const item = await getItem(keys.refreshToken(tokenHash), true);
  return item ? (stripKeys(item) as unknown as RefreshToken) : undefined;
}

export async function signInEvents(userId: string, limit: number, startKey?: Item) {
  const prefix = keys.signInPrefix(userId);
  return queryPage<Item>({
    partition: { name: 'pk', value: prefix.pk },
    sort: { name: 'sk', beginsWith: prefix.skPrefix },
    limit,
    startKey,
    newestFirst: true,
  });
}

export async function devices(userId: string, limit: number, startKey?: Item) {
  const prefix = keys.devicePrefix(userId);
  return queryPage<Item>({
    partition: { name: 'pk', value: prefix.pk },
    sort: { name: 'sk', beginsWith: prefix.skPrefix },
    limit,
    startKey,
  });
}
