import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { unauthenticated } from '#shared/errors';
import { type Actor, roles } from '#shared/access/actor';
import { signingKey } from './signing-key';

const ISSUER = 'centrum';
const AUDIENCE = 'centrum-api';
export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const MFA_TOKEN_SECONDS = 5 * 60;
export const REFRESH_TOKEN_DAYS = 30;

const accessClaims = z.object({
  sub: z.string(),
  cid: z.string(),
  role: z.enum(roles),
  srv: z.array(z.string()).default([]),
  sid: z.string(),
  typ: z.literal('access'),
  exp: z.number(),
  iat: z.number(),
});

const mfaClaims = z.object({ sub: z.string(), cid: z.string(), typ: z.literal('mfa'), dev: z.string() });

export async function issueAccessToken(actor: Actor): Promise<string> {
  return new SignJWT({
    cid: actor.centreId,
    role: actor.role,
    srv: actor.servedPractitionerIds,
    sid: actor.sessionId,
    typ: 'access',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
    .sign((await signingKey()).hmac);
}

/**
 * Access tokens this runtime has verified, until they expire. A client sends the same token with
 * every request for up to 15 minutes, and verifying it again (HMAC through WebCrypto, claims)
 * costs more than everything else our stack does for a request. Keyed by the whole token,
 * signature included, so only a byte-identical token is found; expiry is checked on every hit.
 * Bounded: the oldest entries go first (Map keeps insertion order).
 */
const verifiedTokens = new Map<string, VerifiedToken>();
const MAX_VERIFIED_TOKENS = 2000;

export interface VerifiedToken {
  actor: Actor;
  /** The token's `iat` (seconds), which revocations of a member's rights compare with. */
  issuedAt: number;
  expiresAtMs: number;
}

/** Verifies a bearer token and returns the actor it proves; any failure is a 401. */
export async function verifyAccessToken(token: string): Promise<Actor> {
  return (await verifiedAccessToken(token)).actor;
}

/** The actor of a bearer token and when it was issued; any failure is a 401. */
export async function verifiedAccessToken(token: string): Promise<VerifiedToken> {
  const known = verifiedTokens.get(token);
  if (known && Date.now() < known.expiresAtMs) return known;
  if (known) verifiedTokens.delete(token);
  const payload = await verify(token);
  const claims = accessClaims.safeParse(payload);
  if (!claims.success) throw unauthenticated('The access token is not valid', 'invalid_token');
  const c = claims.data;
  // Shared by the requests that carry this token: frozen, so no request can change another's actor.
  const actor: Actor = Object.freeze({
    userId: c.sub,
    centreId: c.cid,
    role: c.role,
    servedPractitionerIds: Object.freeze([...c.srv]) as string[],
    sessionId: c.sid,
  });
  const verified = { actor, issuedAt: c.iat, expiresAtMs: c.exp * 1000 };
  if (verifiedTokens.size >= MAX_VERIFIED_TOKENS) verifiedTokens.delete(verifiedTokens.keys().next().value!);
  verifiedTokens.set(token, verified);
  return verified;
}

export async function issueMfaToken(userId: string, centreId: string, deviceKey: string): Promise<string> {
  return new SignJWT({ cid: centreId, typ: 'mfa', dev: deviceKey })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${MFA_TOKEN_SECONDS}s`)
    .sign((await signingKey()).hmac);
}

export async function verifyMfaToken(token: string) {
  const claims = mfaClaims.safeParse(await verify(token));
  if (!claims.success) throw unauthenticated('The sign-in challenge is not valid', 'invalid_mfa_token');
  return { userId: claims.data.sub, centreId: claims.data.cid, deviceKey: claims.data.dev };
}

async function verify(token: string) {
  try {
    const { payload } = await jwtVerify(token, (await signingKey()).hmac, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired', 'token_expired');
    if (error instanceof joseErrors.JOSEError) throw unauthenticated('The token is not valid', 'invalid_token');
    throw error;
  }
}
