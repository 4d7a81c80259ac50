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

/** What one complete seed holds (patients: 3; a phone look-up per phone, parents' included). */
const completeDemo = {
  Centre: 1,
  Credential: 3,
  User: 3,
  Membership: 3,
  Invitation: 2,
  Licence: 1,
  Patient: 3,
  PatientPhone: 5,
  AuditEvent: 3,
};

const allSteps = [
  'manager and centre',
  'practitioner',
  'secretary',
  'licence',
  'patient Emma Lambert',
  'patient Noah Claes',
  'patient Léa Van den Broeck',
];

async function managerOfDemo(centreId: string): Promise<Actor> {
  const credential = await findCredential(DEMO.manager.email);
  return { userId: String(credential?.userId), centreId, role: 'manager', servedPractitionerIds: [], sessionId: 't' };
}

describe('demo seed', () => {
  it('creates the whole demo centre on an empty table', async () => {
    const result = await seedDemo();

    expect(await entityCounts()).toEqual(completeDemo);
    expect(result.steps).toEqual(allSteps);
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

    expect(await entityCounts()).toEqual(completeDemo);
    expect(result.centreId).toBe(signUp.centreId);
    expect(result.managerTotpSecret).toBe(signUp.totp.secret);
    expect(result.steps).toEqual(allSteps.filter((step) => step !== 'manager and centre'));
  });

  it('recreates a lost secretary only, revoking the invitation an interrupted run left pending', async () => {
    const { centreId } = await seedDemo();
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

    expect(await entityCounts()).toEqual({ ...completeDemo, Invitation: 4 });
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
