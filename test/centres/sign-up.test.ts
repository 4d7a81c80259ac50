import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { confirmSignUp, startSignUp } from '#functions/centres/sign-up';
import { currentTotp } from '#functions/identity/totp';
import { call } from '../support/api';
import { lastEmailTo, sentEmails, signUpTokenIn } from '../support/outbox';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, PASSWORD } from '../support/world';

/**
 * Sign-up never tells whether an address has an account (docs/decisions/0016): the same answer,
 * after the same work, and what happened is told by e-mail to the address. It is throttled per
 * client, and e-mails to one address are capped.
 */
let ip = 0;
const freshIp = () => `198.18.0.${++ip}`;
const body = (email: string, name = 'Cabinet Lumière') => ({
  centre: { name, locale: 'fr-BE' as const, kind: 'centre' as const },
  manager: { email, password: PASSWORD, firstName: 'Léa', lastName: 'Martin' },
});
const signUp = (email: string, sourceIp = freshIp()) => call('POST', '/auth/sign-up', { body: body(email), sourceIp });
/** What a caller can compare between two answers: everything but the request id. */
const visible = (res: { status: number; headers: Record<string, string>; text: string }) => {
  const { 'x-request-id': _, ...headers } = res.headers;
  return { status: res.status, headers, text: res.text };
};
const kinds = (email: string) =>
  sentEmails()
    .filter((e) => e.to === email)
    .map((e) => e.kind);

describe('sign-up in two steps', () => {
  it('e-mails a new address a link that creates the centre and its manager once', async () => {
    const email = 'lea.martin@example.test';

    const requested = await signUp(email);
    const token = signUpTokenIn(lastEmailTo(email));
    const confirmed = await call('POST', '/auth/sign-up/confirm', { body: { token } });
    const again = await call('POST', '/auth/sign-up/confirm', { body: { token } });
    const signIn = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD }, sourceIp: freshIp() });
    const mfa = await call('POST', '/auth/mfa', {
      body: { mfaToken: signIn.body.mfaToken, code: currentTotp(confirmed.body.totp.secret) },
      sourceIp: freshIp(),
    });

    expect([requested.status, requested.body]).toEqual([202, { status: 'check_email' }]);
    expect(lastEmailTo(email)).toMatchObject({
      kind: 'sign-up-confirmation',
      subject: expect.stringContaining('Cabinet Lumière'),
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ centreId: expect.any(String), userId: expect.any(String) });
    expect([again.status, again.body.code]).toEqual([404, 'sign_up_not_found']);
    expect(mfa.status).toBe(200);
    const centre = await call('GET', '/centre', { token: mfa.body.accessToken });
    expect(centre.body).toMatchObject({ centreId: confirmed.body.centreId, name: 'Cabinet Lumière' });
  });

  it('answers an address that has an account exactly like a new one, creates nothing and tells the owner', async () => {
    const existing = await buildCentre();
    const before = await snapshot();

    const known = await signUp(existing.practitioner.email);
    const unknown = await signUp('nobody-yet@example.test');

    expect(visible(known)).toEqual(visible(unknown));
    const mail = lastEmailTo(existing.practitioner.email);
    expect(mail.kind).toBe('sign-up-existing-account');
    expect(mail.text).not.toMatch(/sign-up\/confirm|Cabinet Lumière/); // no link, nothing the requester typed
    // Both wrote the same kinds of items: quotas and one pending sign-up each, no account, no centre.
    const added = diffSnapshots(before, await snapshot()).added.map((i) => String(i.pk).split('#')[0]);
    expect(added.sort()).toEqual(['SIGNUP', 'SIGNUP', 'THROTTLE', 'THROTTLE', 'THROTTLE', 'THROTTLE']);
  });

  it('never confirms the record of a sign-up asked for an existing address', async () => {
    const existing = await buildCentre();
    const { token, pending } = await startSignUp(body(existing.manager.email));

    expect(pending.existingAccount).toBe(true);
    expect(pending.manager).not.toHaveProperty('passwordHash');
    await expect(confirmSignUp({ token })).rejects.toMatchObject({ code: 'sign_up_not_found' });
  });

  it('refuses an expired link', async () => {
    const { token } = await startSignUp(body('late@example.test'), new Date('2026-01-01T10:00:00Z'));

    await expect(confirmSignUp({ token }, new Date('2026-01-02T10:00:01Z'))).rejects.toMatchObject({
      code: 'sign_up_not_found',
    });
  });

  it('answers 409 when the address got an account between request and confirmation, creating nothing', async () => {
    const { token } = await startSignUp(body('raced@example.test'));
    await confirmSignUp({ token: (await startSignUp(body('raced@example.test'))).token });
    const before = await snapshot();

    const res = await call('POST', '/auth/sign-up/confirm', { body: { token } });

    expect([res.status, res.body.code]).toEqual([409, 'email_taken']);
    expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], changed: [], removed: [] });
  });

  it('creates one centre when the same link is confirmed twice at once', async () => {
    const { token } = await startSignUp(body('double-click@example.test'));

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call('POST', '/auth/sign-up/confirm', { body: { token } })),
    );

    expect(answers.map((a) => a.status).sort()).toEqual([201, 404, 404, 404, 404]);
  });
});

describe('sign-up throttling', () => {
  /** The numbers decided in docs/decisions/0016, stated here rather than read from the code. */
  const PER_CLIENT = 10;
  const EMAILS_PER_ADDRESS = 3;

  it('refuses the 11th sign-up of a client in a 15-minute window, known addresses or not', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-23T10:01:00Z') });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const existing = await buildCentre();
    const client = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT; i++)
      statuses.push((await signUp(i % 2 ? existing.manager.email : `many-${i}@example.test`, client)).status);

    const refused = await signUp('one-more@example.test', client);
    const otherClient = await signUp('one-more@example.test', freshIp());

    expect(statuses).toEqual(Array(PER_CLIENT).fill(202));
    expect([refused.status, refused.body.code]).toEqual([429, 'too_many_attempts']);
    expect(Number(refused.headers['retry-after'])).toBe(14 * 60);
    expect(otherClient.status).toBe(202);
  });

  it('sends at most 3 e-mails to one address per window, answering every request the same', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-23T11:01:00Z') });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const email = 'flooded@example.test';

    const answers = [];
    for (let i = 0; i < EMAILS_PER_ADDRESS + 2; i++) answers.push(await signUp(email));

    expect(answers.map((a) => a.status)).toEqual(Array(EMAILS_PER_ADDRESS + 2).fill(202));
    expect(kinds(email)).toEqual(Array(EMAILS_PER_ADDRESS).fill('sign-up-confirmation'));
  });
});
