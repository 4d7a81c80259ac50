import { describe, expect, it } from 'vitest';
import * as invitations from '#functions/centres/invitations';
import { call } from '../support/api';
import { buildCentre, PASSWORD } from '../support/world';

describe('a person in several centres', () => {
  it('chooses the centre at sign-in, and gets tokens for that centre only', async () => {
    const [a, b] = await Promise.all([buildCentre('Centre A'), buildCentre('Centre B')]);
    const email = 'shared.practitioner@example.test';
    const inA = await invitations.issueInvitation(a.manager.actor, { email, role: 'practitioner' });
    await invitations.acceptInvitation({
      token: inA.token,
      password: PASSWORD,
      firstName: 'Paul',
      lastName: 'Dual',
    });
    const inB = await invitations.issueInvitation(b.manager.actor, { email, role: 'practitioner' });
    await invitations.acceptInvitation({ token: inB.token, password: PASSWORD });

    const ambiguous = await call('POST', '/auth/sign-in', {
      body: { email, password: PASSWORD },
      sourceIp: '203.0.113.200',
    });
    const chosen = await call('POST', '/auth/sign-in', {
      body: { email, password: PASSWORD, centreId: b.centreId },
      sourceIp: '203.0.113.200',
    });

    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.code).toBe('centre_choice_required');
    expect(ambiguous.body.centres.map((c: { centreId: string }) => c.centreId).sort()).toEqual(
      [a.centreId, b.centreId].sort(),
    );
    expect(chosen.body).toMatchObject({ centreId: b.centreId, role: 'practitioner' });
    const patientOfA = await call('GET', `/patients/${a.patientId}`, { token: chosen.body.accessToken });
    expect(patientOfA.status).toBe(404);
  });
});

describe('a suspended staff member', () => {
  it('can no longer sign in nor refresh a session', async () => {
    const w = await buildCentre('Suspension centre');
    const signIn = await call('POST', '/auth/sign-in', {
      body: { email: w.secretary.email, password: PASSWORD },
      sourceIp: '203.0.113.201',
    });
    expect(signIn.status).toBe(200);

    const suspend = await call('PATCH', `/centre/staff/${w.secretary.userId}`, {
      token: w.manager.token,
      body: { version: 1, status: 'suspended' },
    });
    const refresh = await call('POST', '/auth/refresh', { body: { refreshToken: signIn.body.refreshToken } });
    const again = await call('POST', '/auth/sign-in', {
      body: { email: w.secretary.email, password: PASSWORD },
      sourceIp: '203.0.113.201',
    });

    expect(suspend.status).toBe(200);
    expect(refresh.status).toBe(401);
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('no_active_membership');
  });
});
