import { beforeEach, describe, expect, it } from 'vitest';
import * as invitations from '#functions/centres/invitations';
import { keys } from '#shared/db/keys';
import type { Actor } from '#shared/access/actor';
import { findCredential } from '#functions/identity/repository';
import { createCentreWithManager as signUpCentre } from '#functions/centres/sign-up';

import { DEMO, seedDemo } from '../../scripts/local/seed';
import { clearTable, deleteItems, diffSnapshots, entityCounts, itemId, snapshot } from '../support/table';

/**
 * The demo seed of `npm start`, against DynamoDB Local: complete after one run, untouched by the
 * next, and completed by a run after an interrupted one. Each test starts from an empty table.
 */
beforeEach(async () => {
  await clearTable();
});

/**
 * What one complete seed holds (patients: 9; a phone look-up per phone, parents' included; two
 * practitioners' hours, four appointment types, a care episode, a team meeting). The week of
 * appointments depends on the day the seed runs (what is left of this week, and next week): its
 * count is the one the agenda step reports, each appointment with its occupied-time cells and
 * its audit event, and its reminders.
 */
const completeDemo = {
  Centre: 1,
  Credential: 4,
  User: 4,
  Membership: 4,
  Invitation: 3,
  Licence: 1,
  Patient: 9,
  PatientPhone: 15,
  AppointmentType: 4,
  PractitionerHours: 2,
  CareEpisode: 1,
  CentreEvent: 1,
  ReminderRules: 1,
};
const patientSteps = DEMO.patients.map((p) => `patient ${p.firstName} ${p.lastName}`);
const allSteps = ['manager and centre', 'practitioner', 'secretary', 'licence', 'practitioner', ...patientSteps];

/** The seed's counts, checked: fixed entities exactly, the week's appointments against the step. */
async function expectCompleteDemo(steps: string[], extra: Record<string, number> = {}) {
  const { Appointment, OccupiedCell, AuditEvent, Reminder, ...fixed } = await entityCounts();
  expect(fixed).toEqual({ ...completeDemo, ...extra });
  const week = steps.map((step) => /^agenda week \((\d+) appointments\)$/.exec(step)).find(Boolean);
  const booked = Number(week?.[1]);
  expect(booked).toBeGreaterThan(0);
  expect(Appointment).toBe(booked);
  expect(OccupiedCell).toBeGreaterThanOrEqual(booked * 6);
  // Two reminders planned per appointment (the patient's own, the centre's e-mail), those still ahead.
  expect(Reminder).toBeGreaterThan(0);
  expect(Reminder).toBeLessThanOrEqual(booked * 2);
  // An audit event per patient file, one for the care episode, one per booking.
  expect(AuditEvent).toBe(DEMO.patients.length + 1 + booked);
}

async function managerOfDemo(centreId: string): Promise<Actor> {
  const credential = await findCredential(DEMO.manager.email);
  return { userId: String(credential?.userId), centreId, role: 'manager', servedPractitionerIds: [], sessionId: 't' };
}

// The seed books the rest of this week and the next (twice as many bookings early on a Monday).
describe('demo seed', { timeout: 180_000 }, () => {
  it('creates the whole demo centre on an empty table', async () => {
    const result = await seedDemo();

    await expectCompleteDemo(result.steps);
    expect(result.steps.slice(0, allSteps.length)).toEqual(allSteps);
    expect(result.steps.slice(allSteps.length, -1)).toEqual(['reminder rules', 'agenda settings and a care episode']);
    expect(result.managerTotpSecret).toEqual(expect.any(String));
  });

  it('changes no item when run again over a complete demo centre', async () => {
    const first = await seedDemo();
    const before = await snapshot();

    const second = await seedDemo();

    expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
    expect(second).toMatchObject({ created: false, steps: [], centreId: first.centreId });
    expect(second.managerTotpSecret).toBe(first.managerTotpSecret);
  });

  it('completes a seed interrupted right after the sign-up, in the same centre', async () => {
    const signUp = await signUpCentre({
      centre: { kind: 'centre', name: DEMO.centreName },
      manager: { ...DEMO.manager, password: DEMO.password },
    });

    const result = await seedDemo();

    await expectCompleteDemo(result.steps);
    expect(result.centreId).toBe(signUp.centreId);
    expect(result.managerTotpSecret).toBe(signUp.totp.secret);
    expect(result.steps.slice(0, allSteps.length - 1)).toEqual(
      allSteps.filter((step) => step !== 'manager and centre'),
    );
  });

  it('recreates a lost secretary only, revoking the invitation an interrupted run left pending', async () => {
    const { centreId, steps } = await seedDemo();
    const secretary = await findCredential(DEMO.secretary.email);
    const lost = [
      keys.credential(DEMO.secretary.email),
      keys.user(String(secretary?.userId)),
      keys.membership(centreId, String(secretary?.userId)),
    ];
    await deleteItems(lost);
    const { invitation: pending } = await invitations.issueInvitation(await managerOfDemo(centreId), {
      email: DEMO.secretary.email,
      role: 'secretary',
    });
    const before = await snapshot();

    const result = await seedDemo();

    await expectCompleteDemo(steps, { Invitation: 5 });
    expect(result.steps).toEqual(['secretary']);
    const after = await snapshot();
    const stale = after.get(itemId(keys.invitation(centreId, pending.invitationId)));
    expect(stale?.status).toBe('revoked');
    const diff = diffSnapshots(before, after);
    // Only the secretary's new account and membership, the new (accepted) invitation, and the
    // stale one revoked with its token deleted.
    expect(diff.added.map((item) => item.entity).sort()).toEqual(['Credential', 'Invitation', 'Membership', 'User']);
    expect(diff.changed.map((c) => itemId(c.after))).toEqual([itemId(keys.invitation(centreId, pending.invitationId))]);
    expect(diff.removed.map((item) => item.entity)).toEqual(['InvitationToken']);
  });
});
