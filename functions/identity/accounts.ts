import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import type { TransactItem } from '#shared/db/table';
import { unauthenticated } from '#shared/errors';
import { newId } from '#shared/ids';
import type { Origin } from '#shared/origin';
import { hashPassword, verifyPassword } from './passwords';
import { credentialPut, findCredential, findUser, userPut } from './repository';
import { checkThrottles, recordClientFailure, throttleKeys } from './throttle';
import { newTotpSecret, totpUri } from './totp';

/**
 * Accounts as other contexts use them: the centres context creates one when a centre signs up or
 * an invitee joins without an account, and asks an existing account for its password (under the
 * sign-in throttles) when its owner joins another centre. Writes are returned as transaction items,
 * so the caller commits them with its own (a centre, a membership) all or nothing.
 */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}

const enrolment = (email: string): TotpEnrolment => {
  const secret = newTotpSecret();
  return { secret, otpauthUri: totpUri(secret, email) };
};

/**
 * A new account: credential (refused if the e-mail has one meanwhile) and user profile, with a
 * second factor enrolled when asked (managers).
 */
export async function newAccount(
  input: { email: string; firstName: string; lastName: string; secondFactor: boolean } & (
    { password: string } | { passwordHash: string }
  ),
) {
  const userId = newId();
  const totp = input.secondFactor ? enrolment(input.email) : undefined;
  const writes: TransactItem[] = [
    credentialPut({
      email: input.email,
      userId,
      passwordHash: 'passwordHash' in input ? input.passwordHash : await hashPassword(input.password),
      totpSecret: totp?.secret,
    }),
    userPut({
      userId,
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      createdAt: new Date().toISOString(),
    }),
  ];
  return { userId, writes, totp };
}

/**
 * The account of an e-mail, if it has one, proven by its password: the attempt is counted against
 * the account and the client like a sign-in (429 while locked), a wrong password is a 401.
 * `undefined` when the e-mail has no account (nothing is counted then).
 */
export async function proveExistingAccount(email: string, password: string, origin: Origin) {
  const tk = throttleKeys(email, origin.sourceIp);
  const credential = await checkThrottles(tk, email, { unknownAccountsToo: false });
  if (!credential) return undefined;
  if (!(await verifyPassword(password, credential.passwordHash))) {
    await recordClientFailure(tk);
    throw unauthenticated('This e-mail already has an account: give its password to join', 'invalid_credentials');
  }
  const user = await findUser(credential.userId);
  return {
    userId: credential.userId,
    firstName: user?.firstName ?? '',
    lastName: user?.lastName ?? '',
    hasSecondFactor: Boolean(credential.totpSecret),
  };
}

/** Enrols a second factor on an existing account that has none (never replaces one enrolled meanwhile). */
export function secondFactorEnrolment(email: string) {
  const totp = enrolment(email);
  const write: TransactItem = {
    Update: {
      TableName: tableName,
      Key: keys.credential(email),
      UpdateExpression: 'SET totpSecret = :s',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(totpSecret)',
      ExpressionAttributeValues: { ':s': totp.secret },
    },
  };
  return { totp, write };
}

/** Whether an e-mail has an account (for answers that must not tell: sign-up). */
export async function accountExists(email: string) {
  return (await findCredential(email)) !== undefined;
}

export async function hasSecondFactor(email: string) {
  return Boolean((await findCredential(email))?.totpSecret);
}

/** A person's profile as others show it; undefined when the account is gone. */
export async function accountProfile(userId: string) {
  const user = await findUser(userId);
  if (!user) return undefined;
  const { email, firstName, lastName, totpEnabled } = user;
  return { userId, email, firstName, lastName, totpEnabled: Boolean(totpEnabled) };
}
