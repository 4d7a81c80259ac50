import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#shared/db/keys';
import { updateItem } from '#shared/db/table';
import { call } from '../support/api';
import { invitationTokenIn, lastEmailTo, sentEmails } from '../support/outbox';
import { itemCount } from '../support/table';
import { buildCentre, type CentreWorld, invite, PASSWORD } from '../support/world';

let w: CentreWorld;

beforeAll(async () => {
  w = await buildCentre('Centre Profil');
});

describe('centre profile (P1)', () => {
  it('updates the profile with the current version, validating time zone, phone and VAT number', async () => {
    const current = await call('GET', '/centre', { token: w.manager.token });

    const res = await call('PATCH', '/centre', {
      token: w.manager.token,
      body: {
        version: current.body.version,
        vatNumber: 'BE 0123.456.789',
        phone: '02 600 11 22',
        timeZone: 'Europe/Paris',
        locale: 'nl-BE',
        locations: [{ name: 'Cabinet' }],
        openingHours: [{ day: 'mon', opens: '08:00', closes: '12:00' }],
      },
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      vatNumber: 'BE0123456789',
      phone: '+3226001122',
      timeZone: 'Europe/Paris',
      version: current.body.version + 1,
    });
    expect(res.body.locations[0].locationId).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('names each invalid field and changes nothing', async () => {
    const before = await call('GET', '/centre', { token: w.manager.token });

    const res = await call('PATCH', '/centre', {
      token: w.manager.token,
      body: {
        version: before.body.version,
        timeZone: 'Mars/Olympus',
        openingHours: [{ day: 'mon', opens: '12:00', closes: '08:00' }],
      },
    });

    expect(res.status).toBe(400);
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'body.openingHours.0.closes',
      'body.timeZone',
    ]);
    expect((await call('GET', '/centre', { token: w.manager.token })).body).toEqual(before.body);
  });

  it('refuses a stale version with 409', async () => {
    const res = await call('PATCH', '/centre', {
      token: w.manager.token,
      body: { version: 1, name: 'Renamed' },
    });

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('version_conflict');
  });
});

describe('licences (P2)', () => {
  it('creates, transfers, changes features of and revokes a licence, keeping its history', async () => {
    const created = await call('POST', '/centre/licences', {
      token: w.manager.token,
      body: { practitionerId: w.practitioner.userId, features: ['patients', 'agenda'] },
    });
    const id = created.body.licenceId;

    const transferred = await call('POST', `/centre/licences/${id}/transfer`, {
      token: w.manager.token,
      body: { practitionerId: w.otherPractitioner.userId, version: 1 },
    });
    const changed = await call('PATCH', `/centre/licences/${id}`, {
      token: w.manager.token,
      body: { features: ['billing'], version: 2 },
    });
    const mine = await call('GET', '/centre/licences', { token: w.otherPractitioner.token });
    const revoked = await call('DELETE', `/centre/licences/${id}`, { token: w.manager.token });
    const after = await call('GET', `/centre/licences/${id}`, { token: w.manager.token });
    const mineAfter = await call('GET', '/centre/licences', { token: w.otherPractitioner.token });

    expect(created.status).toBe(201);
    expect(transferred.body).toMatchObject({ practitionerId: w.otherPractitioner.userId, version: 2 });
    expect(changed.body).toMatchObject({ features: ['billing'], version: 3 });
    expect(mine.body.items.map((l: { licenceId: string }) => l.licenceId)).toContain(id);
    expect(revoked.status).toBe(204);
    expect(after.body.status).toBe('revoked');
    expect(after.body.history.map((h: { action: string }) => h.action)).toEqual([
      'created',
      'assigned',
      'transferred',
      'features_changed',
      'revoked',
    ]);
    expect(mineAfter.body.items.map((l: { licenceId: string }) => l.licenceId)).not.toContain(id);
  });

  it('refuses to assign a licence to a secretary or to someone outside the centre', async () => {
    const toSecretary = await call('POST', '/centre/licences', {
      token: w.manager.token,
      body: { practitionerId: w.secretary.userId },
    });

    expect(toSecretary.status).toBe(422);
    expect(toSecretary.body.code).toBe('not_a_practitioner');
  });

  it('refuses a stale version of an active licence with 409 and the current version', async () => {
    const created = await call('POST', '/centre/licences', { token: w.manager.token, body: {} });
    await call('PATCH', `/centre/licences/${created.body.licenceId}`, {
      token: w.manager.token,
      body: { features: ['patients'], version: created.body.version },
    });

    const stale = await call('PATCH', `/centre/licences/${created.body.licenceId}`, {
      token: w.manager.token,
      body: { features: ['agenda'], version: created.body.version },
    });

    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: created.body.version + 1 });
  });

  it('refuses to change a revoked licence', async () => {
    const created = await call('POST', '/centre/licences', { token: w.manager.token, body: {} });
    await call('DELETE', `/centre/licences/${created.body.licenceId}`, { token: w.manager.token });

    const res = await call('PATCH', `/centre/licences/${created.body.licenceId}`, {
      token: w.manager.token,
      body: { features: ['agenda'], version: 2 },
    });

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('licence_revoked');
  });
});

describe('staff and invitations', () => {
  it('lets an invited secretary join and serve the practitioners the manager chose', async () => {
    const invitation = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: {
        email: 'remote.secretary@example.test',
        role: 'secretary',
        servedPractitionerIds: [w.practitioner.userId],
      },
    });
    const token = invitationTokenIn(lastEmailTo('remote.secretary@example.test'));
    const accepted = await call('POST', '/auth/invitations/accept', {
      body: { token, password: PASSWORD, firstName: 'Rita', lastName: 'Remote' },
    });
    const reused = await call('POST', '/auth/invitations/accept', {
      body: { token, password: PASSWORD, firstName: 'Rita', lastName: 'Remote' },
    });
    const staff = await call('GET', '/centre/staff', { token: w.manager.token });

    expect(invitation.status).toBe(201);
    expect(invitation.body.delivery).toBe('sent');
    expect(accepted.status).toBe(201);
    expect(reused.status).toBe(404);
    expect(staff.body.items.find((m: { email: string }) => m.email === 'remote.secretary@example.test')).toMatchObject({
      role: 'secretary',
      servedPractitionerIds: [w.practitioner.userId],
    });
  });

  it('refuses to serve someone who is not a practitioner of the centre, writing nothing', async () => {
    const before = await itemCount();

    const res = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: { email: 'x@example.test', role: 'secretary', servedPractitionerIds: [w.manager.userId] },
    });

    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe('body.servedPractitionerIds');
    expect(await itemCount()).toBe(before);
  });

  it('keeps at least one active manager', async () => {
    const res = await call('PATCH', `/centre/staff/${w.manager.userId}`, {
      token: w.manager.token,
      body: { version: 1, role: 'practitioner' },
    });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('last_manager');
  });

  it('stops a revoked invitation from being accepted', async () => {
    const invitation = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: { email: 'late@example.test', role: 'practitioner' },
    });
    const revoke = await call('DELETE', `/centre/invitations/${invitation.body.invitationId}`, {
      token: w.manager.token,
    });

    const res = await call('POST', '/auth/invitations/accept', {
      body: {
        token: invitationTokenIn(lastEmailTo('late@example.test')),
        password: PASSWORD,
        firstName: 'L',
        lastName: 'T',
      },
    });

    expect(revoke.status).toBe(204);
    expect(res.status).toBe(404);
  });
});

describe('invitation e-mails', () => {
  it('e-mails the acceptance link to the invitee, in the centre language, and never shows it to the manager', async () => {
    const res = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: { email: 'new.colleague@example.test', role: 'practitioner' },
    });

    const email = lastEmailTo('new.colleague@example.test');
    const token = invitationTokenIn(email);
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(res.body).not.toHaveProperty('token');
    expect(email.kind).toBe('staff-invitation');
    expect(email.text).toContain(`https://app.centrum.test/invitations/accept#token=${token}`);
    expect(email.subject).toMatch(/^(Invitation à rejoindre|Uitnodiging om) Centre Profil/);
  });

  it('resends a new link that replaces the previous one', async () => {
    const created = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: { email: 'lost.mail@example.test', role: 'practitioner' },
    });
    const firstToken = invitationTokenIn(lastEmailTo('lost.mail@example.test'));

    const resent = await call('POST', `/centre/invitations/${created.body.invitationId}/resend`, {
      token: w.manager.token,
    });
    const secondToken = invitationTokenIn(lastEmailTo('lost.mail@example.test'));
    const withOld = await call('POST', '/auth/invitations/accept', {
      body: { token: firstToken, password: PASSWORD, firstName: 'Lou', lastName: 'Mail' },
    });
    const withNew = await call('POST', '/auth/invitations/accept', {
      body: { token: secondToken, password: PASSWORD, firstName: 'Lou', lastName: 'Mail' },
    });

    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ invitationId: created.body.invitationId, status: 'pending', delivery: 'sent' });
    expect(secondToken).not.toBe(firstToken);
    expect(withOld.status).toBe(404);
    expect(withNew.status).toBe(201);
  });

  it('refuses to resend an invitation that was already accepted, sending nothing', async () => {
    const created = await call('POST', '/centre/invitations', {
      token: w.manager.token,
      body: { email: 'joined@example.test', role: 'practitioner' },
    });
    await call('POST', '/auth/invitations/accept', {
      body: {
        token: invitationTokenIn(lastEmailTo('joined@example.test')),
        password: PASSWORD,
        firstName: 'Jo',
        lastName: 'Ined',
      },
    });
    const sentBefore = sentEmails().length;

    const res = await call('POST', `/centre/invitations/${created.body.invitationId}/resend`, {
      token: w.manager.token,
    });

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invitation_not_pending');
    expect(sentEmails()).toHaveLength(sentBefore);
  });
});

describe('role changes', () => {
  it('promotes to manager only someone who has enrolled a second factor', async () => {
    const res = await call('PATCH', `/centre/staff/${w.secretary.userId}`, {
      token: w.manager.token,
      body: { version: 1, role: 'manager' },
    });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('mfa_enrolment_required');
  });

  it('keeps the role of a practitioner who still follows patients', async () => {
    const res = await call('PATCH', `/centre/staff/${w.practitioner.userId}`, {
      token: w.manager.token,
      body: { version: 1, role: 'secretary' },
    });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('practitioner_has_patients');
  });
});

describe('staff changes with optimistic locking', () => {
  let centre: CentreWorld;
  const staffMember = async (userId: string) =>
    (await call('GET', '/centre/staff', { token: centre.manager.token })).body.items.find(
      (m: { userId: string }) => m.userId === userId,
    );
  const patchStaff = (token: string, userId: string, body: Record<string, unknown>) =>
    call('PATCH', `/centre/staff/${userId}`, { token, body });

  beforeAll(async () => {
    centre = await buildCentre('Staff locking centre');
  });

  it('applies a change at the current version and bumps it; a stale version gets 409 and the current one', async () => {
    const secretary = await invite(centre.manager.actor, 'secretary', [centre.practitioner.userId]);
    const listed = await staffMember(secretary.userId);

    const applied = await patchStaff(centre.manager.token, secretary.userId, {
      version: listed.version,
      servedPractitionerIds: [centre.otherPractitioner.userId],
    });
    const stale = await patchStaff(centre.manager.token, secretary.userId, {
      version: listed.version,
      status: 'suspended',
    });

    expect(listed.version).toBe(1);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ version: 2, servedPractitionerIds: [centre.otherPractitioner.userId] });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
    expect(await staffMember(secretary.userId)).toMatchObject({ version: 2, status: 'active' });
  });

  it('requires the version read', async () => {
    const res = await patchStaff(centre.manager.token, centre.secretary.userId, { status: 'suspended' });

    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe('body.version');
  });

  it('lets exactly one of concurrent changes of the same version win, losing none silently', async () => {
    const secretary = await invite(centre.manager.actor, 'secretary', [centre.practitioner.userId]);
    const choices = [[centre.practitioner.userId], [centre.otherPractitioner.userId], []];

    const results = await Promise.all(
      choices.map((servedPractitionerIds) =>
        patchStaff(centre.manager.token, secretary.userId, { version: 1, servedPractitionerIds }),
      ),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.body.servedPractitionerIds;
    expect(await staffMember(secretary.userId)).toMatchObject({ version: 2, servedPractitionerIds: winner });
  });

  it('counts a membership stored before versions existed as version 1', async () => {
    const secretary = await invite(centre.manager.actor, 'secretary', [centre.practitioner.userId]);
    await updateItem({ Key: keys.membership(centre.centreId, secretary.userId), UpdateExpression: 'REMOVE version' });

    const listed = await staffMember(secretary.userId);
    const res = await patchStaff(centre.manager.token, secretary.userId, { version: 1, status: 'suspended' });

    expect(listed.version).toBe(1);
    expect(res.status).toBe(200);
    expect(await staffMember(secretary.userId)).toMatchObject({ version: 2, status: 'suspended' });
  });

  it('never leaves the centre without an active manager when two managers step each other down at once', async () => {
    const other = await invite(centre.manager.actor, 'manager');

    const results = await Promise.all([
      patchStaff(centre.manager.token, other.userId, { version: 1, role: 'practitioner' }),
      patchStaff(other.token, centre.manager.userId, { version: 1, role: 'practitioner' }),
    ]);

    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.find((r) => r.status !== 200)!.status).toBeOneOf([409, 422]);
    const staff = (await call('GET', '/centre/staff', { token: centre.manager.token })).body.items;
    expect(
      staff.filter((m: { role: string; status: string }) => m.role === 'manager' && m.status === 'active'),
    ).toHaveLength(1);
  });
});
