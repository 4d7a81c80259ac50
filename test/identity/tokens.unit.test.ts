import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '#shared/access/actor';
import { SignJWT } from 'jose';
import { signingKey } from '#functions/identity/signing-key';
import {
  ACCESS_TOKEN_SECONDS,
  issueAccessToken,
  issueMfaToken,
  verifyAccessToken,
  verifyMfaToken,
} from '#functions/identity/tokens';
import { newId } from '#shared/ids';

const actor = (): Actor => ({
  userId: newId(),
  centreId: newId(),
  role: 'secretary',
  servedPractitionerIds: [newId()],
  sessionId: newId(),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('access token verification', () => {
  it('proves the actor of a token, every time it is presented', async () => {
    const who = actor();
    const token = await issueAccessToken(who);

    const first = await verifyAccessToken(token);
    const again = await verifyAccessToken(token);

    expect(first).toEqual(who);
    expect(again).toEqual(who);
  });

  it('refuses a token once it has expired, even one verified before', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-25T09:00:00Z') });
    const token = await issueAccessToken(actor());
    await verifyAccessToken(token);

    vi.setSystemTime(new Date(Date.parse('2026-11-25T09:00:00Z') + (ACCESS_TOKEN_SECONDS + 1) * 1000));

    await expect(verifyAccessToken(token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('refuses a verified token whose signature was altered', async () => {
    const token = await issueAccessToken(actor());
    await verifyAccessToken(token);
    const [header, payload, signature] = token.split('.');
    const altered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;

    await expect(verifyAccessToken(altered)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('gives each request an actor it cannot change for the others', async () => {
    const token = await issueAccessToken(actor());
    const first = await verifyAccessToken(token);

    expect(() => first.servedPractitionerIds.push(newId())).toThrow(TypeError);
    expect(() => Object.assign(first, { role: 'manager' })).toThrow(TypeError);
    expect((await verifyAccessToken(token)).role).toBe('secretary');
  });
});

describe('tokens signed with the right key but not access tokens of this API', () => {
  /** A token signed with the API's own key, with claims changed from a good access token's. */
  async function signed(change: { iss?: string; aud?: string; typ?: string; alg?: 'HS256' | 'HS512' }) {
    const who = actor();
    const claims = {
      cid: who.centreId,
      role: who.role,
      srv: who.servedPractitionerIds,
      sid: who.sessionId,
      typ: change.typ ?? 'access',
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: change.alg ?? 'HS256', typ: 'JWT' })
      .setSubject(who.userId)
      .setIssuer(change.iss ?? 'centrum')
      .setAudience(change.aud ?? 'centrum-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(change.alg === 'HS512' ? (await signingKey()).raw : (await signingKey()).hmac);
  }

  it('accepts the genuine article (the baseline the refusals below differ from by one claim)', async () => {
    await expect(verifyAccessToken(await signed({}))).resolves.toMatchObject({ role: 'secretary' });
  });

  it.each([
    ['another audience', { aud: 'centrum-portal' }],
    ['another issuer', { iss: 'someone-else' }],
    ['another token type (a sign-in challenge)', { typ: 'mfa' }],
    ['another algorithm', { alg: 'HS512' as const }],
  ])('refuses %s', async (_what, change) => {
    await expect(verifyAccessToken(await signed(change))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('reads a token without served practitioners as serving none', async () => {
    const who = actor();
    const token = await new SignJWT({ cid: who.centreId, role: 'practitioner', sid: who.sessionId, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(who.userId)
      .setIssuer('centrum')
      .setAudience('centrum-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign((await signingKey()).hmac);

    await expect(verifyAccessToken(token)).resolves.toMatchObject({ servedPractitionerIds: [] });
  });

  it('issues tokens the genuine way: HS256, JWT, issuer centrum, audience centrum-api, 15 minutes', async () => {
    const token = await issueAccessToken(actor());
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));

    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'centrum', aud: 'centrum-api', typ: 'access' });
    expect(payload.exp - payload.iat).toBe(15 * 60);
  });

  it('issues sign-in challenges that last 5 minutes', async () => {
    const token = await issueMfaToken(newId(), newId(), 'device');
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

    expect(payload).toMatchObject({ iss: 'centrum', aud: 'centrum-api', typ: 'mfa' });
    expect(payload.exp - payload.iat).toBe(5 * 60);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const good = await signed({});
    const [, payload] = good.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');

    await expect(verifyAccessToken(`${header}.${payload}.`)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses an access token presented as a sign-in challenge', async () => {
    await expect(verifyMfaToken(await issueAccessToken(actor()))).rejects.toMatchObject({ code: 'invalid_mfa_token' });
  });
});
