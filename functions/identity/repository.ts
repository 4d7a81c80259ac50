import type { Role } from '#shared/access/actor';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { getItem, type Item, putItem, queryCollection, stripKeys, type TransactItem } from '#shared/db/table';
import type { Device, SignInEvent } from './schemas';

/**
 * Identity items: credentials, users, sessions, refresh tokens, sign-ins, devices (keys:
 * docs/DATA_MODEL.md). Each entity becomes its domain type in one function below.
 */
export interface Credential {
  email: string;
  userId: string;
  passwordHash: string;
  totpSecret?: string | undefined;
  lastTotpStep?: number | undefined;
}

export interface User {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  createdAt: string;
  /** An opted-in second factor (staff other than managers). */
  totpEnabled?: boolean | undefined;
  /** A second factor being enrolled, until confirmed with a code. */
  totpPendingSecret?: string | undefined;
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

const credentialFromItem = (item: Item) => stripKeys(item) as unknown as Credential;
const userFromItem = (item: Item) => stripKeys(item) as unknown as User;
const refreshTokenFromItem = (item: Item) => stripKeys(item) as unknown as RefreshToken;
export const signInEventFromItem = (item: Item): SignInEvent => {
  const { eventId, at, outcome, sourceIp, userAgent, centreId } = item as Item & SignInEvent;
  return { eventId, at, outcome, sourceIp, userAgent, ...(centreId ? { centreId } : {}) };
};
export const deviceFromItem = (item: Item): Device => {
  const { deviceKey, userAgent, firstSeenAt, lastSeenAt, lastSourceIp } = item as Item & Device;
  return { deviceKey, userAgent, firstSeenAt, lastSeenAt, lastSourceIp };
};

/** A Put that creates an item, refused if one exists under the key. */
export const put = (item: Item, condition = 'attribute_not_exists(pk)'): TransactItem => ({
  Put: { TableName: tableName, Item: item, ConditionExpression: condition },
});

export const credentialPut = (credential: Credential) =>
  put({ ...keys.credential(credential.email), entity: 'Credential', ...credential });

export const userPut = (user: User) => put({ ...keys.user(user.userId), entity: 'User', ...user });

/** The credential is the lock of an account: always read consistently. */
export async function findCredential(email: string) {
  const item = await getItem(keys.credential(email), true);
  return item ? credentialFromItem(item) : undefined;
}

/** From an item read with others (BatchGet of sign-in). */
export const credentialOf = (item: Item | undefined) => (item ? credentialFromItem(item) : undefined);

export async function findUser(userId: string) {
  const item = await getItem(keys.user(userId));
  return item ? userFromItem(item) : undefined;
}

export async function findRefreshToken(tokenHash: string) {
  const item = await getItem(keys.refreshToken(tokenHash), true);
  return item ? refreshTokenFromItem(item) : undefined;
}

export function refreshTokenItem(token: RefreshToken & { ttl: number }): Item {
  return { ...keys.refreshToken(token.tokenHash), entity: 'RefreshToken', ...token };
}

export const recordSignInEvent = (item: Item) => putItem(item);

export const signInEvents = (userId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.signInPrefix(userId), { limit, startKey, newestFirst: true });

export const devices = (userId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.devicePrefix(userId), { limit, startKey });
