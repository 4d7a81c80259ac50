import { createHash } from 'node:crypto';
import { centrePut, findInvitationByToken as findInvitationToken } from '#shared/centres/repository';
import type { Centre, CreateCentreInput } from '#shared/centres/schemas';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  batchGet,
  type Item,
  putItem,
  type TransactItem,
  transactionConditionFailed,
  transactWrite,
  updateItem,
} from '#shared/db/table';
import { conflict, DomainError, forbidden, notFound, unauthenticated } from '#shared/errors';
import type { RequestMeta } from '#shared/http/contract';
import type { Actor } from '#shared/identity/actor';
import { decoyHash, hashPassword, verifyPassword } from '#shared/identity/passwords';
import {
  type Credential,
  credentialPut,
  findCredential,
  findMembership,
  findRefreshToken,
  findUser,
  membershipPut,
  membershipsOfUser,
  put,
  userPut,
} from '#shared/identity/repository';
import type { Membership } from '#shared/identity/schemas';
import {
  assertClientNotThrottled,
  recordClientFailure,
  resetAccountAttempts,
  type ThrottleKeys,
  takeAccountAttempt,
  throttleKeys,
} from '#shared/identity/throttle';
import {
  ACCESS_TOKEN_SECONDS,
  hashToken,
  issueAccessToken,
  issueMfaToken,
  MFA_TOKEN_SECONDS,
  newOpaqueToken,
  REFRESH_TOKEN_DAYS,
  verifyMfaToken,
} from '#shared/identity/tokens';
import { matchTotp, newTotpSecret, totpUri } from '#shared/identity/totp';
import { newId } from '#shared/ids';

const DAY_MS = 24 * 3600 * 1000;
const SIGN_IN_HISTORY_DAYS = 400;

const deviceKeyOf = (deviceId: string | undefined, meta: RequestMeta) =>
  createHash('sha256')
    .update(deviceId ?? `ua:${meta.userAgent}`)
    .digest('base64url')
    .slice(0, 22);

// ---------------------------------------------------------------------------------------------
// Sign-up (P1): a centre, its first manager, their credential and membership, all or nothing.
// ---------------------------------------------------------------------------------------------
export async function signUp(input: {
  centre: CreateCentreInput;
  manager: { email: string; password: string; firstName: string; lastName: string };
}) {
  const now = new Date().toISOString();
  const centreId = newId();
  const userId = newId();
  const totpSecret = newTotpSecret();
  const centre: Centre = {
    centreId,
    kind: input.centre.kind,
    name: input.centre.name,
    address: input.centre.address,
    vatNumber: input.centre.vatNumber,
    phone: input.centre.phone,
    email: input.centre.email,
    timeZone: input.centre.timeZone ?? 'Europe/Brussels',
    locale: input.centre.locale ?? 'fr-BE',
    openingHours: input.centre.openingHours ?? [],
    locations: (input.centre.locations ?? []).map((l) => ({ ...l, locationId: l.locationId ?? newId() })),
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const { email, firstName, lastName } = input.manager;
  try {
    await transactWrite([
      credentialPut({ email, userId, passwordHash: await hashPassword(input.manager.password), totpSecret }),
      userPut({ userId, email, firstName, lastName, createdAt: now }),
      centrePut(centre),
      membershipPut({
        centreId,
        centreName: centre.name,
        userId,
        role: 'manager',
        status: 'active',
        servedPractitionerIds: [],
        firstName,
        lastName,
        email,
        joinedAt: now,
      }),
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).includes(0)) {
      throw conflict(
        'email_taken',
        'An account already exists for this e-mail; sign in and accept an invitation instead',
        {
          fields: [{ field: 'body.manager.email', message: 'already registered' }],
        },
      );
    }
    throw error;
  }
  return { centreId, userId, totp: { secret: totpSecret, otpauthUri: totpUri(totpSecret, email) } };
}

// ---------------------------------------------------------------------------------------------
// Sign-in (P4): password, then TOTP when enrolled (always for managers).
// ---------------------------------------------------------------------------------------------
export async function signIn(
  input: { email: string; password: string; centreId?: string | undefined; deviceId?: string | undefined },
  meta: RequestMeta,
) {
  const tk = throttleKeys(input.email, meta.sourceIp);
  const credential = await checkThrottles(tk, keys.credential(input.email));

  const passwordOk = credential
    ? await verifyPassword(input.password, credential.passwordHash as string)
    : await verifyPassword(input.password, await decoyHash()).then(() => false);
  if (!credential || !passwordOk) {
    await recordClientFailure(tk);
    if (credential) await recordSignIn(String(credential.userId), 'invalid_password', meta);
    throw unauthenticated('The e-mail or password is not correct', 'invalid_credentials');
  }
  const userId = String(credential.userId);
  const membership = await chooseMembership(userId, input.centreId);
  const deviceKey = deviceKeyOf(input.deviceId, meta);

  if (credential.totpSecret || membership.role === 'manager') {
    if (!credential.totpSecret) throw forbidden('Managers must enrol a second factor', 'mfa_enrolment_required');
    await recordSignIn(userId, 'mfa_required', meta, membership.centreId);
    return {
      mfaRequired: true as const,
      mfaToken: await issueMfaToken(userId, membership.centreId, `${deviceKey}:${input.email}`),
      expiresIn: MFA_TOKEN_SECONDS,
    };
  }
  return { mfaRequired: false as const, ...(await startSession(membership, deviceKey, tk, meta)) };
}

export async function verifyMfa(input: { mfaToken: string; code: string }, meta: RequestMeta) {
  const claims = await verifyMfaToken(input.mfaToken);
  const separator = claims.deviceKey.indexOf(':');
  const deviceKey = claims.deviceKey.slice(0, separator);
  const email = claims.deviceKey.slice(separator + 1);
  const tk = throttleKeys(email, meta.sourceIp);
  const credential = await checkThrottles(tk, keys.credential(email));
  if (!credential?.totpSecret || credential.userId !== claims.userId)
    throw unauthenticated('The sign-in challenge is not valid', 'invalid_mfa_token');

  const step = matchTotp(String(credential.totpSecret), input.code);
  if (step === undefined || step <= Number(credential.lastTotpStep ?? -1)) {
    await recordClientFailure(tk);
    await recordSignIn(claims.userId, 'invalid_code', meta, claims.centreId);
    throw unauthenticated('The code is not correct or was already used', 'invalid_code');
  }
  const membership = await findMembership(claims.centreId, claims.userId);
  if (membership?.status !== 'active')
    throw unauthenticated('This membership is no longer active', 'membership_inactive');
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
    return await startSession(membership, deviceKey, tk, meta, [useStep]);
  } catch (error) {
    if (transactionConditionFailed(error).length > 0)
      throw unauthenticated('The code was already used', 'invalid_code');
    throw error;
  }
}

/**
 * Before any secret is checked: the client's failure count (read with the credential in one round
 * trip), then one attempt taken atomically on the account (refused while it is locked).
 */
async function checkThrottles(
  tk: ThrottleKeys,
  credentialKey: { pk: string; sk: string },
  options: { unknownAccountsToo: boolean } = { unknownAccountsToo: true },
) {
  const items = await batchGet([tk.client, credentialKey]);
  const find = (key: { pk: string; sk: string }) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
  assertClientNotThrottled(find(tk.client), tk);
  const credential = find(credentialKey) as (Item & Partial<Credential>) | undefined;
  // Sign-in counts attempts on unknown e-mails too, so that they answer exactly like known ones.
  if (credential || options.unknownAccountsToo) await takeAccountAttempt(tk);
  return credential;
}

async function chooseMembership(userId: string, centreId: string | undefined): Promise<Membership> {
  const active = (await membershipsOfUser(userId)).filter((m) => m.status === 'active');
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

async function recordSignIn(userId: string, outcome: string, meta: RequestMeta, centreId?: string) {
  await putItem(signInItem(userId, outcome, meta, centreId));
}

function signInItem(userId: string, outcome: string, meta: RequestMeta, centreId?: string): Item {
  const eventId = newId();
  return {
    ...keys.signIn(userId, eventId),
    entity: 'SignIn',
    eventId,
    at: new Date().toISOString(),
    outcome,
    sourceIp: meta.sourceIp,
    userAgent: meta.userAgent,
    centreId,
    ttl: Math.floor((Date.now() + SIGN_IN_HISTORY_DAYS * DAY_MS) / 1000),
  };
}

/** Issues a session: a refresh-token family (session), its first token, history and device. */
async function startSession(
  membership: Membership,
  deviceKey: string,
  tk: ThrottleKeys,
  meta: RequestMeta,
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
      userId: membership.userId,
      centreId: membership.centreId,
      deviceKey,
      createdAt: now.toISOString(),
      ttl,
    }),
    put(refreshTokenItem(hashToken(refreshToken), sessionId, membership, deviceKey, expiresAt)),
    put(signInItem(membership.userId, 'success', meta, membership.centreId)),
    {
      Update: {
        TableName: tableName,
        Key: keys.device(membership.userId, deviceKey),
        UpdateExpression:
          'SET entity = :entity, deviceKey = :key, userAgent = :ua, lastSeenAt = :now, lastSourceIp = :ip, firstSeenAt = if_not_exists(firstSeenAt, :now)',
        ExpressionAttributeValues: {
          ':entity': 'Device',
          ':key': deviceKey,
          ':ua': meta.userAgent,
          ':now': now.toISOString(),
          ':ip': meta.sourceIp,
        },
      },
    },
    resetAccountAttempts(tk),
  ]);
  return sessionTokens(membership, sessionId, refreshToken);
}

function refreshTokenItem(
  tokenHash: string,
  sessionId: string,
  membership: Membership,
  deviceKey: string,
  expiresAt: Date,
): Item {
  return {
    ...keys.refreshToken(tokenHash),
    entity: 'RefreshToken',
    tokenHash,
    sessionId,
    userId: membership.userId,
    centreId: membership.centreId,
    role: membership.role,
    deviceKey,
    expiresAt: expiresAt.toISOString(),
    ttl: Math.floor(expiresAt.getTime() / 1000) + 86400,
  };
}

async function sessionTokens(membership: Membership, sessionId: string, refreshToken: string) {
  const actor: Actor = {
    userId: membership.userId,
    centreId: membership.centreId,
    role: membership.role,
    servedPractitionerIds: membership.role === 'secretary' ? membership.servedPractitionerIds : [],
    sessionId,
  };
  return {
    tokenType: 'Bearer' as const,
    accessToken: await issueAccessToken(actor),
    expiresIn: ACCESS_TOKEN_SECONDS,
    refreshToken,
    userId: membership.userId,
    centreId: membership.centreId,
    role: membership.role,
  };
}

// ---------------------------------------------------------------------------------------------
// Refresh-token rotation with reuse detection: a token works once; presenting a used token
// revokes its whole session (it was stolen, or the client is broken).
// ---------------------------------------------------------------------------------------------
export async function refreshSession(input: { refreshToken: string }) {
  const tokenHash = hashToken(input.refreshToken);
  const token = await findRefreshToken(tokenHash);
  const invalid = unauthenticated('The refresh token is not valid', 'invalid_refresh_token');
  if (!token || token.expiresAt < new Date().toISOString()) throw invalid;
  if (token.usedAt) {
    await revokeSession(token.sessionId, 'refresh_token_reused');
    throw unauthenticated('This refresh token was already used; the session is revoked', 'refresh_token_reused');
  }
  const membership = await findMembership(token.centreId, token.userId);
  if (membership?.status !== 'active') throw invalid;

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
      put(refreshTokenItem(hashToken(next), token.sessionId, membership, token.deviceKey, expiresAt)),
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
  return sessionTokens(membership, token.sessionId, next);
}

export async function signOut(input: { refreshToken: string }) {
  const token = await findRefreshToken(hashToken(input.refreshToken));
  if (token) await revokeSession(token.sessionId, 'signed_out');
}

async function revokeSession(sessionId: string, reason: string) {
  await updateItem({
    Key: keys.session(sessionId),
    UpdateExpression:
      'SET revokedAt = if_not_exists(revokedAt, :now), revokeReason = if_not_exists(revokeReason, :reason)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':now': new Date().toISOString(), ':reason': reason },
  }).catch((error) => {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  });
}

// ---------------------------------------------------------------------------------------------
// The signed-in user, TOTP enrolment for staff who opt in.
// ---------------------------------------------------------------------------------------------
export async function me(actor: Actor) {
  const [user, memberships] = await Promise.all([findUser(actor.userId), membershipsOfUser(actor.userId)]);
  if (!user) throw unauthenticated('This account no longer exists', 'invalid_token');
  return {
    userId: user.userId,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    totpEnabled: memberships.some((m) => m.role === 'manager') || Boolean((user as unknown as Item).totpEnabled),
    current: { centreId: actor.centreId, role: actor.role },
    memberships,
  };
}

const alreadyEnrolled = () =>
  conflict(
    'totp_already_enrolled',
    'A second factor is already enrolled on this account; replacing it needs an account recovery',
  );

/**
 * Opt-in second factor for staff who have none. An enrolled factor is never replaced from an
 * access token alone: whoever holds a stolen token must not be able to take over the account.
 */
export async function startTotpEnrolment(actor: Actor) {
  const user = await findUser(actor.userId);
  if (!user) throw unauthenticated('This account no longer exists', 'invalid_token');
  if ((await findCredential(user.email))?.totpSecret) throw alreadyEnrolled();
  const secret = newTotpSecret();
  await updateItem({
    Key: keys.user(actor.userId),
    UpdateExpression: 'SET totpPendingSecret = :secret',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':secret': secret },
  });
  return { secret, otpauthUri: totpUri(secret, user.email) };
}

export async function confirmTotpEnrolment(actor: Actor, code: string) {
  const user = (await findUser(actor.userId)) as (Item & { email: string; totpPendingSecret?: string }) | undefined;
  if (!user?.totpPendingSecret) throw conflict('no_pending_enrolment', 'Start the enrolment first (POST /me/totp)');
  const step = matchTotp(user.totpPendingSecret, code);
  if (step === undefined)
    throw new DomainError('validation', 'invalid_code', 'The code is not correct', {
      fields: [{ field: 'body.code', message: 'does not match' }],
    });
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.credential(user.email),
          UpdateExpression: 'SET totpSecret = :secret, lastTotpStep = :step',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(totpSecret)',
          ExpressionAttributeValues: { ':secret': user.totpPendingSecret, ':step': step },
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: keys.user(actor.userId),
          UpdateExpression: 'SET totpEnabled = :yes REMOVE totpPendingSecret',
          ExpressionAttributeValues: { ':yes': true },
        },
      },
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).includes(0)) throw alreadyEnrolled();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Invitations (P2): an invited person joins a centre with a new or an existing account.
// ---------------------------------------------------------------------------------------------
/** Domain callers (the demo seed, tests) accept on behalf of nobody in particular. */
const internalMeta: RequestMeta = { requestId: 'internal', sourceIp: 'internal', userAgent: 'centrum', path: '' };

export async function acceptInvitation(
  input: {
    token: string;
    password: string;
    firstName?: string | undefined;
    lastName?: string | undefined;
  },
  meta: RequestMeta = internalMeta,
) {
  const tokenHash = hashToken(input.token);
  const invitation = await findInvitationToken(tokenHash);
  if (!invitation || String(invitation.expiresAt) < new Date().toISOString()) throw notFound('invitation');
  const email = String(invitation.email);
  const centreId = String(invitation.centreId);
  const role = invitation.role as Membership['role'];
  const now = new Date().toISOString();
  const writes: TransactItem[] = [];
  let userId: string;
  let firstName: string;
  let lastName: string;
  let totp: { secret: string; otpauthUri: string } | undefined;

  // Joining with an existing account proves its password: the same throttles as sign-in apply.
  const tk = throttleKeys(email, meta.sourceIp);
  const existingCredential = await checkThrottles(tk, keys.credential(email), { unknownAccountsToo: false });
  if (existingCredential) {
    if (!(await verifyPassword(input.password, String(existingCredential.passwordHash)))) {
      await recordClientFailure(tk);
      throw unauthenticated('This e-mail already has an account: give its password to join', 'invalid_credentials');
    }
    userId = String(existingCredential.userId);
    const user = await findUser(userId);
    firstName = user?.firstName ?? '';
    lastName = user?.lastName ?? '';
    if (role === 'manager' && !existingCredential.totpSecret) {
      totp = enrol(email);
      writes.push({
        Update: {
          TableName: tableName,
          Key: keys.credential(email),
          UpdateExpression: 'SET totpSecret = :s',
          // Never replaces a second factor enrolled meanwhile.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(totpSecret)',
          ExpressionAttributeValues: { ':s': totp.secret },
        },
      });
    }
  } else {
    if (!input.firstName || !input.lastName) {
      throw new DomainError('validation', 'validation_failed', 'A new account needs a first and last name', {
        fields: [
          ...(input.firstName ? [] : [{ field: 'body.firstName', message: 'required for a new account' }]),
          ...(input.lastName ? [] : [{ field: 'body.lastName', message: 'required for a new account' }]),
        ],
      });
    }
    userId = newId();
    firstName = input.firstName;
    lastName = input.lastName;
    totp = role === 'manager' ? enrol(email) : undefined;
    writes.push(
      credentialPut({
        email,
        userId,
        passwordHash: await hashPassword(input.password),
        totpSecret: totp?.secret,
      }),
      userPut({ userId, email, firstName, lastName, createdAt: now }),
    );
  }
  writes.push(
    membershipPut({
      centreId,
      centreName: String(invitation.centreName ?? ''),
      userId,
      role,
      status: 'active',
      servedPractitionerIds: (invitation.servedPractitionerIds as string[] | undefined) ?? [],
      firstName,
      lastName,
      email,
      joinedAt: now,
    }),
    {
      Update: {
        TableName: tableName,
        Key: keys.invitation(centreId, String(invitation.invitationId)),
        UpdateExpression: 'SET #status = :accepted, acceptedAt = :now, userId = :user',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':accepted': 'accepted',
          ':pending': 'pending',
          ':now': now,
          ':user': userId,
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
  );
  try {
    await transactWrite(writes);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.length > 0) {
      const indexOf = (entity: string) => writes.findIndex((w) => w.Put?.Item?.entity === entity);
      if (failed.includes(indexOf('Membership')))
        throw conflict('already_member', 'This account is already a member of the centre');
      if (failed.includes(indexOf('Credential')))
        throw conflict(
          'email_taken',
          'An account was created for this e-mail meanwhile: accept again with its password',
        );
      if (totp && existingCredential && failed.includes(0))
        throw conflict('totp_enrolled_meanwhile', 'A second factor was enrolled meanwhile: accept again');
      throw conflict('invitation_used', 'This invitation was already used or revoked');
    }
    throw error;
  }
  return { userId, centreId, role, ...(totp ? { totp } : {}) };
}

function enrol(email: string) {
  const secret = newTotpSecret();
  return { secret, otpauthUri: totpUri(secret, email) };
}
