import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { currentTotp } from '#functions/identity/totp';
import { keys } from '#shared/db/keys';
import { updateItem } from '#shared/db/table';
import { call } from '../support/api';
import { invitationTokenIn, lastEmailTo, signUpTokenIn } from '../support/outbox';
import { buildCentre, PASSWORD } from '../support/world';

const signUpBody = (email: string) => ({
  centre: { name: 'Centre Test', timeZone: 'Europe/Brussels', locale: 'fr-BE' },
  manager: { email, password: PASSWORD, firstName: 'Marie', lastName: 'Dubois' },
});

let ipCounter = 0;
/** A fresh client address per scenario, so the per-client limit of one test does not leak into another. */
const freshIp = () => `203.0.113.${++ipCounter}`;

/** Signs a centre up through the API: the request, the e-mailed link, the confirmation. */
async function signUpManager(email: string) {
  const requested = await call('POST', '/auth/sign-up', { body: signUpBody(email), sourceIp: freshIp() });
  expect(requested.status).toBe(202);
  const res = await call('POST', '/auth/sign-up/confirm', {
    body: { token: signUpTokenIn(lastEmailTo(email.toLowerCase())) },
  });
  expect(res.status).toBe(201);
  return res.body as { centreId: string; userId: string; totp: { secret: string } };
}

/** A TOTP code of another 30-s step than `now`, so a replay check does not trip the test itself. */
const codeAt = (secret: string, offsetSteps: number) => currentTotp(secret, Date.now() + offsetSteps * 30_000);

describe('sign-up and manager sign-in with a second factor', () => {
  let manager: { centreId: string; userId: string; totp: { secret: string } };
  const email = 'Marie.Dubois@Example.test';

  beforeAll(async () => {
    manager = await signUpManager(email);
  });

  it('creates no second account for the same e-mail (case-insensitive): the address is told, with no link', async () => {
    const res = await call('POST', '/auth/sign-up', {
      body: signUpBody('marie.dubois@example.test'),
      sourceIp: freshIp(),
    });

    expect(res.status).toBe(202);
    expect(lastEmailTo('marie.dubois@example.test').text).not.toMatch(/sign-up\/confirm/);
  });

  it('asks a manager for a TOTP code before issuing tokens', async () => {
    const res = await call('POST', '/auth/sign-in', {
      body: { email, password: PASSWORD },
      sourceIp: freshIp(),
    });

    expect(res.status).toBe(200);
    expect(res.body.mfaRequired).toBe(true);
    expect(res.body.accessToken).toBeUndefined();
  });

  it('issues tokens for a correct code, and refuses the same code a second time', async () => {
    const ip = freshIp();
    const first = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD }, sourceIp: ip });
    const code = currentTotp(manager.totp.secret);

    const ok = await call('POST', '/auth/mfa', {
      body: { mfaToken: first.body.mfaToken, code },
      sourceIp: ip,
    });
    const second = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD }, sourceIp: ip });
    const replay = await call('POST', '/auth/mfa', {
      body: { mfaToken: second.body.mfaToken, code },
      sourceIp: ip,
    });

    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ tokenType: 'Bearer', role: 'manager', centreId: manager.centreId });
    const me = await call('GET', '/me', { token: ok.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      userId: manager.userId,
      email: email.toLowerCase(),
      current: { role: 'manager' },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_code');
  });

  it('refuses a wrong code from a manager who has not used the current step yet', async () => {
    const fresh = await signUpManager('fresh-manager@example.test');
    const ip = freshIp();
    const first = await call('POST', '/auth/sign-in', {
      body: { email: 'fresh-manager@example.test', password: PASSWORD },
      sourceIp: ip,
    });
    const right = currentTotp(fresh.totp.secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');

    const res = await call('POST', '/auth/mfa', { body: { mfaToken: first.body.mfaToken, code: wrong }, sourceIp: ip });

    expect([res.status, res.body.code]).toEqual([401, 'invalid_code']);
  });

  it('refuses a wrong code with 401', async () => {
    const ip = freshIp();
    const first = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD }, sourceIp: ip });
    const wrong = codeAt(manager.totp.secret, 10);

    const res = await call('POST', '/auth/mfa', {
      body: { mfaToken: first.body.mfaToken, code: wrong },
      sourceIp: ip,
    });

    expect(res.status).toBe(401);
  });
});

/**
 * The numbers decided in docs/decisions/0004-identity-and-sessions.md, stated here rather than
 * read from the code: a change of the code's constants must fail these tests.
 */
const LOCKED_AFTER_ATTEMPTS = 5;
const CLIENT_FAILURES_PER_WINDOW = 30;

describe('sign-in throttling', () => {
  it('locks an account after repeated wrong passwords; the right password cannot unlock it', async () => {
    // The lock lasts 15 minutes from the last attempt (decision 0004): pin the clock to read it.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-23T09:00:00Z') });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const email = 'locked@example.test';
    await signUpManager(email);
    for (let i = 0; i < LOCKED_AFTER_ATTEMPTS; i++) {
      const res = await call('POST', '/auth/sign-in', {
        body: { email, password: 'wrong password!' },
        sourceIp: freshIp(),
      });
      expect(res.status).toBe(401);
    }

    const blocked = await call('POST', '/auth/sign-in', {
      body: { email, password: PASSWORD },
      sourceIp: freshIp(),
    });

    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('account_locked');
    expect(Number(blocked.headers['retry-after'])).toBe(15 * 60);
  });

  it('lets at most the allowed number of a burst of parallel guesses reach the password check', async () => {
    const email = 'burst@example.test';
    await signUpManager(email);

    const answers = await Promise.all(
      Array.from({ length: 4 * LOCKED_AFTER_ATTEMPTS }, () =>
        call('POST', '/auth/sign-in', { body: { email, password: 'wrong password!' }, sourceIp: freshIp() }),
      ),
    );

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOCKED_AFTER_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3 * LOCKED_AFTER_ATTEMPTS);
  });

  it('counts passwords given to accept an invitation against the account, like sign-in', async () => {
    const existing = await buildCentre();
    const other = await buildCentre();
    const invite = () =>
      call('POST', '/centre/invitations', {
        token: other.manager.token,
        body: { email: existing.practitioner.email, role: 'practitioner' },
      });
    const created = await invite();
    const token = invitationTokenIn(lastEmailTo(existing.practitioner.email));

    const guesses = [];
    for (let i = 0; i < LOCKED_AFTER_ATTEMPTS; i++) {
      guesses.push(
        await call('POST', '/auth/invitations/accept', {
          body: { token, password: `wrong password ${i}` },
          sourceIp: freshIp(),
        }),
      );
    }
    const withRightPassword = await call('POST', '/auth/invitations/accept', {
      body: { token, password: PASSWORD },
      sourceIp: freshIp(),
    });
    const signIn = await call('POST', '/auth/sign-in', {
      body: { email: existing.practitioner.email, password: PASSWORD },
      sourceIp: freshIp(),
    });

    expect(created.status).toBe(201);
    expect(guesses.map((g) => g.status)).toEqual(Array(LOCKED_AFTER_ATTEMPTS).fill(401));
    expect(withRightPassword.status).toBe(429);
    expect(withRightPassword.body.code).toBe('account_locked');
    expect(signIn.status).toBe(429);
  });

  it('signs in with the right password from a client that failed before (its counter is not the credential)', async () => {
    const w = await buildCentre();
    const ip = freshIp();
    const failed = await call('POST', '/auth/sign-in', {
      body: { email: w.practitioner.email, password: 'wrong password!' },
      sourceIp: ip,
    });

    const res = await call('POST', '/auth/sign-in', {
      body: { email: w.practitioner.email, password: PASSWORD },
      sourceIp: ip,
    });

    expect(failed.status).toBe(401);
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe(w.practitioner.userId);
  });

  it('locks an unknown e-mail after as many attempts as a known one, so the lock tells nothing', async () => {
    const statuses = [];
    for (let i = 0; i <= LOCKED_AFTER_ATTEMPTS; i++) {
      const res = await call('POST', '/auth/sign-in', {
        body: { email: 'nobody-locked@example.test', password: 'whatever-password' },
        sourceIp: freshIp(),
      });
      statuses.push(`${res.status} ${res.body.code}`);
    }

    expect(statuses).toEqual([...Array(LOCKED_AFTER_ATTEMPTS).fill('401 invalid_credentials'), '429 account_locked']);
  });

  it('refuses a manager without a second factor (403), issuing no tokens', async () => {
    const w = await buildCentre();
    await updateItem({
      Key: keys.membership(w.centreId, w.practitioner.userId),
      UpdateExpression: 'SET #role = :manager',
      ExpressionAttributeNames: { '#role': 'role' },
      ExpressionAttributeValues: { ':manager': 'manager' },
    });

    const res = await call('POST', '/auth/sign-in', {
      body: { email: w.practitioner.email, password: PASSWORD },
      sourceIp: freshIp(),
    });

    expect([res.status, res.body.code]).toEqual([403, 'mfa_enrolment_required']);
    expect(res.body.accessToken).toBeUndefined();
  });

  it('answers an unknown e-mail exactly like a wrong password', async () => {
    const res = await call('POST', '/auth/sign-in', {
      body: { email: 'nobody@example.test', password: 'whatever-password' },
      sourceIp: freshIp(),
    });

    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_credentials');
  });

  it('limits failed attempts per client address whatever the account; successful sign-ins do not count', async () => {
    // The limit counts per fixed 15-minute window: pin the clock inside one window, so the test
    // cannot straddle a boundary.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-23T10:07:00Z') });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const w = await buildCentre('Shared office IP');
    const ip = freshIp();
    const signInPractitioner = () =>
      call('POST', '/auth/sign-in', { body: { email: w.practitioner.email, password: PASSWORD }, sourceIp: ip });
    const successes = [await signInPractitioner(), await signInPractitioner(), await signInPractitioner()];
    const failures: number[] = [];
    for (let i = 0; i < CLIENT_FAILURES_PER_WINDOW + 2; i++) {
      const res = await call('POST', '/auth/sign-in', {
        body: { email: `x${i}@example.test`, password: 'p' },
        sourceIp: ip,
      });
      failures.push(res.status);
    }
    const afterLimit = await signInPractitioner();

    expect(successes.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(failures.slice(0, CLIENT_FAILURES_PER_WINDOW).every((s) => s === 401)).toBe(true);
    expect(failures.slice(CLIENT_FAILURES_PER_WINDOW)).toEqual([429, 429]);
    expect(afterLimit.status).toBe(429);
    expect(afterLimit.body.code).toBe('too_many_attempts');
    expect(Number(afterLimit.headers['retry-after'])).toBe(8 * 60); // 10:07 → end of the 10:00–10:15 window
    // Some 40 scrypt derivations (N=2^17) by design: well over the default 30 s on a busy 2-core runner.
  }, 120_000);
});

describe('sessions', () => {
  let tokens: { accessToken: string; refreshToken: string };
  const email = 'rotation@example.test';

  beforeAll(async () => {
    const manager = await signUpManager(email);
    const ip = freshIp();
    const first = await call('POST', '/auth/sign-in', {
      body: { email, password: PASSWORD, deviceId: 'device-1234-abcd' },
      sourceIp: ip,
    });
    const ok = await call('POST', '/auth/mfa', {
      body: { mfaToken: first.body.mfaToken, code: currentTotp(manager.totp.secret) },
      sourceIp: ip,
    });
    tokens = ok.body;
  });

  it('refuses an unknown refresh token with 401', async () => {
    const res = await call('POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(43) } });

    expect([res.status, res.body.code]).toEqual([401, 'invalid_refresh_token']);
  });

  it('rotates the refresh token, and a reused one revokes the whole session', async () => {
    const rotated = await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(tokens.refreshToken);

    const reuse = await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    const afterRevocation = await call('POST', '/auth/refresh', {
      body: { refreshToken: rotated.body.refreshToken },
    });

    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('refresh_token_reused');
    expect(afterRevocation.status).toBe(401);
  });

  it('lists sign-in history latest first and the known devices', async () => {
    const history = await call('GET', '/me/sign-ins', { token: tokens.accessToken });
    const devices = await call('GET', '/me/devices', { token: tokens.accessToken });

    expect(history.status).toBe(200);
    expect(history.body.items.map((e: { outcome: string }) => e.outcome)).toEqual(['success', 'mfa_required']);
    expect(devices.body.items).toHaveLength(1);
    expect(devices.body.items[0]).toMatchObject({ userAgent: 'centrum-tests' });
  });

  it('refuses a tampered access token', async () => {
    const [h, p] = tokens.accessToken.split('.');
    const res = await call('GET', '/me', { token: `${h}.${p}.${'A'.repeat(43)}` });

    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_token');
  });
});

describe('staff without a second factor', () => {
  it('signs in an invited practitioner directly, who may then enrol TOTP', async () => {
    const manager = await signUpManager('boss@example.test');
    const ip = freshIp();
    const first = await call('POST', '/auth/sign-in', {
      body: { email: 'boss@example.test', password: PASSWORD },
      sourceIp: ip,
    });
    const session = await call('POST', '/auth/mfa', {
      body: { mfaToken: first.body.mfaToken, code: currentTotp(manager.totp.secret) },
      sourceIp: ip,
    });
    const invitation = await call('POST', '/centre/invitations', {
      token: session.body.accessToken,
      body: { email: 'pract@example.test', role: 'practitioner' },
    });
    expect(invitation.status).toBe(201);
    const accepted = await call('POST', '/auth/invitations/accept', {
      body: {
        token: invitationTokenIn(lastEmailTo('pract@example.test')),
        password: PASSWORD,
        firstName: 'Luc',
        lastName: 'Janssens',
      },
    });
    expect(accepted.status).toBe(201);

    const signIn = await call('POST', '/auth/sign-in', {
      body: { email: 'pract@example.test', password: PASSWORD },
      sourceIp: freshIp(),
    });
    expect(signIn.body).toMatchObject({ mfaRequired: false, role: 'practitioner' });
    const token = signIn.body.accessToken;
    const enrol = await call('POST', '/me/totp', { token });
    const confirm = await call('POST', '/me/totp/confirm', {
      token,
      body: { code: currentTotp(enrol.body.secret) },
    });
    const again = await call('POST', '/auth/sign-in', {
      body: { email: 'pract@example.test', password: PASSWORD },
      sourceIp: freshIp(),
    });

    expect(enrol.status).toBe(201);
    expect(confirm.status).toBe(204);
    expect(again.body.mfaRequired).toBe(true);
  });

  it('never replaces an enrolled second factor from an access token alone', async () => {
    const world = await buildCentre();
    const enrol = await call('POST', '/me/totp', { token: world.practitioner.token });
    await call('POST', '/me/totp/confirm', {
      token: world.practitioner.token,
      body: { code: currentTotp(enrol.body.secret) },
    });

    const again = await call('POST', '/me/totp', { token: world.practitioner.token });
    const managerReenrol = await call('POST', '/me/totp', { token: world.manager.token });

    expect(again.status).toBe(409);
    expect(again.body.code).toBe('totp_already_enrolled');
    expect(managerReenrol.status).toBe(409);
  });
});
