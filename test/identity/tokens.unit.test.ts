import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '#shared/access/actor';
import { ACCESS_TOKEN_SECONDS, issueAccessToken, verifyAccessToken } from '#functions/identity/tokens';
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
