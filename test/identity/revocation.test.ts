import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { forgetRevocations, REFRESH_MS } from '#functions/identity/revocations';
import { requestCounts, resetRequestCounts, resetUpkeepCounts, upkeepRequestCounts } from '#shared/db/request-counter';
import { call } from '../support/api';
import { buildCentre, type CentreWorld, invite, PASSWORD } from '../support/world';

/**
 * A signed-out session or a member whose rights changed loses access within a minute
 * (docs/decisions/0017): REFRESH_MS plus one request, with no database read per request.
 */
let w: CentreWorld;
let ip = 0;
const freshIp = () => `198.18.1.${++ip}`;

beforeAll(async () => {
  w = await buildCentre('Revocation centre');
});

afterEach(() => {
  vi.useRealTimers();
});

/** A real session of a member: password sign-in (members without a second factor get tokens). */
async function signIn(email: string) {
  const res = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD }, sourceIp: freshIp() });
  expect(res.status).toBe(200);
  return res.body as { accessToken: string; refreshToken: string };
}

const me = (token: string) => call('GET', '/me', { token });
/** Moves this runtime's clock past the refresh interval of the revocation list. */
const aMinuteLater = () => vi.setSystemTime(Date.now() + 60_000);

describe('revocation within a minute', () => {
  it('is at most one minute by design', () => {
    expect(REFRESH_MS).toBeLessThanOrEqual(60_000);
  });

  it("stops a signed-out session's access token, and no other session's", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const practitioner = await invite(w.manager.actor, 'practitioner');
    const kept = await signIn(practitioner.email);
    const ended = await signIn(practitioner.email);
    expect((await me(ended.accessToken)).status).toBe(200);

    const out = await call('POST', '/auth/sign-out', { body: { refreshToken: ended.refreshToken } });
    aMinuteLater();

    expect(out.status).toBe(204);
    const refused = await me(ended.accessToken);
    expect([refused.status, refused.body.code]).toEqual([401, 'session_revoked']);
    expect((await me(kept.accessToken)).status).toBe(200);
  });

  it("stops a suspended member's tokens; reinstated, the member signs in again and works", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const secretary = await invite(w.manager.actor, 'secretary', [w.practitioner.userId]);
    const session = await signIn(secretary.email);
    const patch = (body: Record<string, unknown>) =>
      call('PATCH', `/centre/staff/${secretary.userId}`, { token: w.manager.token, body });

    expect((await patch({ version: 1, status: 'suspended' })).status).toBe(200);
    aMinuteLater();
    const refused = await me(session.accessToken);
    const refreshed = await call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect((await patch({ version: 2, status: 'active' })).status).toBe(200);
    vi.setSystemTime(Date.now() + 1000); // a new token's iat is past the second of the change
    const again = await signIn(secretary.email);

    expect([refused.status, refused.body.code]).toEqual([401, 'token_revoked']);
    expect(refreshed.status).toBe(401);
    expect((await me(again.accessToken)).status).toBe(200);
  });

  it("stops tokens carrying a member's former rights; a refresh brings the new ones", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const secretary = await invite(w.manager.actor, 'secretary', [w.practitioner.userId]);
    const session = await signIn(secretary.email);

    const changed = await call('PATCH', `/centre/staff/${secretary.userId}`, {
      token: w.manager.token,
      body: { version: 1, servedPractitionerIds: [w.otherPractitioner.userId] },
    });
    aMinuteLater();
    const refused = await call('GET', `/patients/${w.patientId}`, { token: session.accessToken });
    const refreshed = await call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
    const withNewRights = await call('GET', `/patients/${w.otherPatientId}`, { token: refreshed.body.accessToken });

    expect(changed.status).toBe(200);
    expect([refused.status, refused.body.code]).toEqual([401, 'token_revoked']);
    expect(refreshed.status).toBe(200);
    expect(withNewRights.status).toBe(200);
  });

  it('reads the database once per interval and instance, not per request, and never within a call budget', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await me(w.manager.token); // the copy is fresh
    resetRequestCounts();
    resetUpkeepCounts();

    for (let i = 0; i < 20; i++) await me(w.practitioner.token);
    const withinInterval = upkeepRequestCounts();
    aMinuteLater();
    await Promise.all(Array.from({ length: 10 }, () => me(w.practitioner.token)));

    expect(withinInterval).toEqual({});
    expect(upkeepRequestCounts()).toEqual({ Query: 1 }); // ten concurrent requests share one read
    expect(requestCounts()).toEqual({ GetItem: 30, Query: 30 }); // getMe's own budget, 30 times
  });

  it('a new instance knows the revocations made before it started', async () => {
    const practitioner = await invite(w.manager.actor, 'practitioner');
    const session = await signIn(practitioner.email);
    await call('POST', '/auth/sign-out', { body: { refreshToken: session.refreshToken } });

    forgetRevocations();
    const res = await me(session.accessToken);

    expect([res.status, res.body.code]).toEqual([401, 'session_revoked']);
  });
});
