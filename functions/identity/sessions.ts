import { createHash } from 'node:crypto';
import type { Actor } from '#shared/access/actor';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { type Item, type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, forbidden, notFound, unauthenticated } from '#shared/errors';
import { newId } from '#shared/ids';
import { hashToken, newOpaqueToken } from '#shared/opaque-token';
import type { Origin } from '#shared/origin';
import type { Grant, MembershipDirectory } from './memberships';
import { decoyHash, verifyPassword } from './passwords';
import { findRefreshToken, put, recordSignInEvent, refreshTokenItem } from './repository';
import { sessionRevocationPut } from './revocations';
import { checkThrottles, recordClientFailure, resetAccountAttempts, type ThrottleKeys, throttleKeys } from './throttle';
import {
  ACCESS_TOKEN_SECONDS,
  issueAccessToken,
  issueMfaToken,
  MFA_TOKEN_SECONDS,
  REFRESH_TOKEN_DAYS,
  verifyMfaToken,
} from './tokens';
import { matchTotp } from './totp';

/**
 * Staff sessions (P4): password, then TOTP when enrolled (always for managers); a session is a
 * refresh-token family; access tokens carry the membership the person signed in to, read through
 * the membership directory (a port: memberships belong to the centres context).
 */
const DAY_MS = 24 * 3600 * 1000;
const SIGN_IN_HISTORY_DAYS = 400;

const deviceKeyOf = (deviceId: string | undefined, origin: Origin) =>
  createHash('sha256')
    .update(deviceId ?? `ua:${origin.userAgent}`)
    .digest('base64url')
    .slice(0, 22);

export async function signIn(
  input: { email: string; password: string; centreId?: string | undefined; deviceId?: string | undefined },
  origin: Origin,
  memberships: MembershipDirectory,
) {
  const tk = throttleKeys(input.email, origin.sourceIp);
  const credential = await checkThrottles(tk, input.email);

  const passwordOk = credential
    ? await verifyPassword(input.password, credential.passwordHash)
    : await verifyPassword(input.password, await decoyHash()).then(() => false);
  if (!credential || !passwordOk) {
    await recordClientFailure(tk);
    if (credential) await recordSignIn(credential.userId, 'invalid_password', origin);
    throw unauthenticated('The e-mail or password is not correct', 'invalid_credentials');
  }
  const userId = credential.userId;
  const grant = await chooseMembership(memberships, userId, input.centreId);
  const deviceKey = deviceKeyOf(input.deviceId, origin);

  if (credential.totpSecret || grant.role === 'manager') {
    if (!credential.totpSecret) throw forbidden('Managers must enrol a second factor', 'mfa_enrolment_required');
    await recordSignIn(userId, 'mfa_required', origin, grant.centreId);
    return {
      mfaRequired: true as const,
      mfaToken: await issueMfaToken(userId, grant.centreId, `${deviceKey}:${input.email}`),
      expiresIn: MFA_TOKEN_SECONDS,
    };
  }
  return { mfaRequired: false as const, ...(await startSession(grant, deviceKey, tk, origin)) };
}

export async function verifyMfa(
  input: { mfaToken: string; code: string },
  origin: Origin,
  memberships: MembershipDirectory,
) {
  const claims = await verifyMfaToken(input.mfaToken);
  const separator = claims.deviceKey.indexOf(':');
  const deviceKey = claims.deviceKey.slice(0, separator);
  const email = claims.deviceKey.slice(separator + 1);
  const tk = throttleKeys(email, origin.sourceIp);
  const credential = await checkThrottles(tk, email);
  if (!credential?.totpSecret || credential.userId !== claims.userId)
    throw unauthenticated('The sign-in challenge is not valid', 'invalid_mfa_token');

  const step = matchTotp(credential.totpSecret, input.code);
  if (step === undefined || step <= Number(credential.lastTotpStep ?? -1)) {
    await recordClientFailure(tk);
    await recordSignIn(claims.userId, 'invalid_code', origin, claims.centreId);
    throw unauthenticated('The code is not correct or was already used', 'invalid_code');
  }
  const grant = await memberships.find(claims.centreId, claims.userId);
  if (grant?.status !== 'active') throw unauthenticated('This membership is no longer active', 'membership_inactive');
  const useStep: TransactItem = {
    Update: {
      TableName: tableName,
      Key: keys.credential(email),
      UpdateExpression: 'SET lastTotpStep = :step',
      ConditionExpression: 'attribute_not_exists(lastTotpStep) OR lastTotpStep < :step',
      ExpressionAttributeValues: { ':step': step },
    },
  };
  try {
    return await startSession(grant, deviceKey, tk, origin, [useStep]);
  } catch (error) {
    if (transactionConditionFailed(error).length > 0)
      throw unauthenticated('The code was already used', 'invalid_code');
    throw error;
  }
}

async function chooseMembership(memberships: MembershipDirectory, userId: string, centreId: string | undefined) {
  const active = (await memberships.ofUser(userId)).filter((m) => m.status === 'active');
  if (centreId) {
    const chosen = active.find((m) => m.centreId === centreId);
    if (!chosen) throw notFound('centre', 'membership_not_found');
    return chosen;
  }
  if (active.length === 1) return active[0]!;
  if (active.length === 0) throw forbidden('This account has no active centre membership', 'no_active_membership');
  throw conflict('centre_choice_required', 'This account belongs to several centres: repeat with centreId', {
    centres: active.map((m) => ({ centreId: m.centreId, centreName: m.centreName, role: m.role })),
  });
}

async function recordSignIn(userId: string, outcome: string, origin: Origin, centreId?: string) {
  await recordSignInEvent(signInItem(userId, outcome, origin, centreId));
}

function signInItem(userId: string, outcome: string, origin: Origin, centreId?: string): Item {
  const eventId = newId();
  return {
    ...keys.signIn(userId, eventId),
    entity: 'SignIn',
    eventId,
    at: new Date().toISOString(),
    outcome,
    sourceIp: origin.sourceIp,
    userAgent: origin.userAgent,
    centreId,
    ttl: Math.floor((Date.now() + SIGN_IN_HISTORY_DAYS * DAY_MS) / 1000),
  };
}

function newRefreshToken(tokenHash: string, sessionId: string, grant: Grant, deviceKey: string, expiresAt: Date) {
  return refreshTokenItem({
    tokenHash,
    sessionId,
    userId: grant.userId,
    centreId: grant.centreId,
    role: grant.role,
    deviceKey,
    expiresAt: expiresAt.toISOString(),
    ttl: Math.floor(expiresAt.getTime() / 1000) + 86400,
  });
}

/** Issues a session: a refresh-token family (session), its first token, history and device. */
async function startSession(
  grant: Grant,
  deviceKey: string,
  tk: ThrottleKeys,
  origin: Origin,
  extra: TransactItem[] = [],
) {
  const sessionId = newId();
  const refreshToken = newOpaqueToken();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + REFRESH_TOKEN_DAYS * DAY_MS);
  const ttl = Math.floor(expiresAt.getTime() / 1000) + 86400;
  await transactWrite([
    ...extra,
    put({
      ...keys.session(sessionId),
      entity: 'Session',
      sessionId,
      userId: grant.userId,
      centreId: grant.centreId,
      deviceKey,
      createdAt: now.toISOString(),
      ttl,
    }),
    put(newRefreshToken(hashToken(refreshToken), sessionId, grant, deviceKey, expiresAt)),
    put(signInItem(grant.userId, 'success', origin, grant.centreId)),
    {
      Update: {
        TableName: tableName,
        Key: keys.device(grant.userId, deviceKey),
        UpdateExpression:
          'SET entity = :entity, deviceKey = :key, userAgent = :ua, lastSeenAt = :now, lastSourceIp = :ip, firstSeenAt = if_not_exists(firstSeenAt, :now)',
        ExpressionAttributeValues: {
          ':entity': 'Device',
          ':key': deviceKey,
          ':ua': origin.userAgent,
          ':now': now.toISOString(),
          ':ip': origin.sourceIp,
        },
      },
    },
    resetAccountAttempts(tk),
  ]);
  return sessionTokens(grant, sessionId, refreshToken);
}

async function sessionTokens(grant: Grant, sessionId: string, refreshToken: string) {
  const actor: Actor = {
    userId: grant.userId,
    centreId: grant.centreId,
    role: grant.role,
    servedPractitionerIds: grant.role === 'secretary' ? [...grant.servedPractitionerIds] : [],
    sessionId,
  };
  return {
    tokenType: 'Bearer' as const,
    accessToken: await issueAccessToken(actor),
    expiresIn: ACCESS_TOKEN_SECONDS,
    refreshToken,
    userId: grant.userId,
    centreId: grant.centreId,
    role: grant.role,
  };
}

/**
 * Refresh-token rotation with reuse detection: a token works once; presenting a used token
 * revokes its whole session (it was stolen, or the client is broken). The membership is read
 * again, so a suspended member or a changed role reaches the next access token.
 */
export async function refreshSession(input: { refreshToken: string }, memberships: MembershipDirectory) {
  const tokenHash = hashToken(input.refreshToken);
  const token = await findRefreshToken(tokenHash);
  const invalid = unauthenticated('The refresh token is not valid', 'invalid_refresh_token');
  if (!token || token.expiresAt < new Date().toISOString()) throw invalid;
  if (token.usedAt) {
    await revokeSession(token.sessionId, 'refresh_token_reused');
    throw unauthenticated('This refresh token was already used; the session is revoked', 'refresh_token_reused');
  }
  const grant = await memberships.find(token.centreId, token.userId);
  if (grant?.status !== 'active') throw invalid;

  const next = newOpaqueToken();
  const expiresAt = new Date(Date.now() + REFRESH_TOKEN_DAYS * DAY_MS);
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.refreshToken(tokenHash),
          UpdateExpression: 'SET usedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        },
      },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.session(token.sessionId),
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
        },
      },
      put(newRefreshToken(hashToken(next), token.sessionId, grant, token.deviceKey, expiresAt)),
    ]);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.includes(0)) {
      await revokeSession(token.sessionId, 'refresh_token_reused');
      throw unauthenticated('This refresh token was already used; the session is revoked', 'refresh_token_reused');
    }
    if (failed.includes(1)) throw unauthenticated('The session was revoked', 'session_revoked');
    throw error;
  }
  return sessionTokens(grant, token.sessionId, next);
}

export async function signOut(input: { refreshToken: string }) {
  const token = await findRefreshToken(hashToken(input.refreshToken));
  if (token) await revokeSession(token.sessionId, 'signed_out');
}

/**
 * The session issues no more access tokens (its refresh tokens are refused) and, with the
 * revocation written in the same transaction, the access tokens it issued stop working within a
 * minute (functions/identity/revocations.ts).
 */
async function revokeSession(sessionId: string, reason: string) {
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.session(sessionId),
          UpdateExpression:
            'SET revokedAt = if_not_exists(revokedAt, :now), revokeReason = if_not_exists(revokeReason, :reason)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':reason': reason },
        },
      },
      sessionRevocationPut(sessionId),
    ]);
  } catch (error) {
    if (!transactionConditionFailed(error).includes(0)) throw error;
  }
}
