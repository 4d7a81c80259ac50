import { accountProfile, hasSecondFactor, type MembershipDirectory, memberRevocationPut } from '#contexts/identity';
import type { Actor, Role } from '#shared/access/actor';
import { authorize } from '#shared/access/policy';
import { auditEventOf, userAuditTrail } from '#shared/audit/audit';
import { transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, notFound, ruleViolation, unauthenticated, validationError } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import {
  findMembership,
  grantOf,
  membersOfCentre,
  membershipFromItem,
  membershipsOfUser,
  membersPage,
  membershipUpdate,
  stillActiveManager,
} from './repository';
import type { Membership } from './schemas';

/** Staff of a centre (P2, P3): members, their roles and rights, their accesses to patient data. */

/** Whether a practitioner still follows patients: asked of the patients context (a port). */
export interface Caseload {
  followsPatients(centreId: string, practitionerId: string): Promise<boolean>;
}

type PageQuery = { limit: number; cursor?: string | undefined };

export function listStaff(actor: Actor, query: PageQuery, cursors: Cursors) {
  authorize(actor, 'staff:list');
  return cursors.page(
    `staff:${actor.centreId}`,
    query.cursor,
    (start) => membersPage(actor.centreId, query.limit, start),
    membershipFromItem,
  );
}

/**
 * P5, per person: every access to patient data a staff member made, latest first, with lists and
 * searches (and the patients they returned). Managers only; a person of another centre is not found.
 */
export async function listStaffAudit(actor: Actor, userId: string, query: PageQuery, cursors: Cursors) {
  authorize(actor, 'staff:audit');
  if (!(await findMembership(actor.centreId, userId))) throw notFound('staff_member');
  return cursors.page(
    `staff-audit:${actor.centreId}:${userId}`,
    query.cursor,
    (start) => userAuditTrail(actor.centreId, userId, query.limit, start),
    auditEventOf,
  );
}

/** The signed-in person and the centres they belong to. */
export async function getMe(actor: Actor) {
  const [profile, memberships] = await Promise.all([accountProfile(actor.userId), membershipsOfUser(actor.userId)]);
  if (!profile) throw unauthenticated('This account no longer exists', 'invalid_token');
  return {
    ...profile,
    totpEnabled: memberships.some((m) => m.role === 'manager') || profile.totpEnabled,
    current: { centreId: actor.centreId, role: actor.role },
    memberships,
  };
}

/** Every served practitioner must be an active practitioner of this centre. */
export function assertPractitioners(members: Membership[], ids: string[], field: string) {
  const practitioners = new Set(
    members.filter((m) => m.role === 'practitioner' && m.status === 'active').map((m) => m.userId),
  );
  const unknown = ids.filter((id) => !practitioners.has(id));
  if (unknown.length > 0) {
    throw validationError(
      'Served practitioners must be active practitioners of this centre',
      unknown.map((id) => ({ field, message: `${id} is not an active practitioner here` })),
    );
  }
}

/** Whether a person is an active practitioner of the centre (patients are followed by one). */
export async function isActivePractitioner(centreId: string, userId: string) {
  const member = await findMembership(centreId, userId);
  return member?.role === 'practitioner' && member.status === 'active';
}

const staleMembership = (currentVersion?: number) =>
  conflict('version_conflict', 'The staff member was changed by someone else: reload and retry', {
    ...(currentVersion ? { currentVersion } : {}),
  });

export async function updateStaffMember(
  actor: Actor,
  userId: string,
  input: {
    version: number;
    role?: Role | undefined;
    status?: 'active' | 'suspended' | undefined;
    servedPractitionerIds?: string[] | undefined;
  },
  caseload: Caseload,
) {
  authorize(actor, 'staff:manage');
  const member = await findMembership(actor.centreId, userId);
  if (!member) throw notFound('staff_member');
  if (member.version !== input.version) throw staleMembership(member.version);
  const members = (await membersOfCentre(actor.centreId, 1000)).items;
  const next: Membership = {
    ...member,
    ...(input.role ? { role: input.role } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.servedPractitionerIds ? { servedPractitionerIds: [...new Set(input.servedPractitionerIds)] } : {}),
    version: member.version + 1,
  };
  if (next.role !== 'secretary') next.servedPractitionerIds = [];
  assertPractitioners(members, next.servedPractitionerIds, 'body.servedPractitionerIds');
  const otherManagers = members.filter((m) => m.role === 'manager' && m.status === 'active' && m.userId !== userId);
  const leavesManagers = member.role === 'manager' && (next.role !== 'manager' || next.status !== 'active');
  const [keeper] = otherManagers;
  if (leavesManagers && !keeper) {
    throw ruleViolation('last_manager', 'A centre keeps at least one active manager');
  }
  // Managers must sign in with a second factor, and cannot enrol one once they are managers.
  if (next.role === 'manager' && member.role !== 'manager' && !(await hasSecondFactor(member.email))) {
    throw ruleViolation(
      'mfa_enrolment_required',
      'The person must enrol a second factor (POST /me/totp) before becoming a manager',
    );
  }
  if (
    member.role === 'practitioner' &&
    next.role !== 'practitioner' &&
    (await caseload.followsPatients(actor.centreId, userId))
  ) {
    throw ruleViolation('practitioner_has_patients', "Transfer this practitioner's patients before changing the role");
  }
  // The version condition serialises changes of this member. Stepping a manager down also holds
  // the transaction to another manager still being active, so two managers demoting each other
  // at once cannot leave the centre without one (docs/decisions/0009-staff-changes.md).
  // Tokens carry the role and served practitioners: tokens issued before a change of rights stop
  // working within a minute (functions/identity/revocations.ts); a refresh reads the new rights.
  const rightsChanged =
    next.role !== member.role ||
    next.status !== member.status ||
    [...next.servedPractitionerIds].sort().join() !== [...member.servedPractitionerIds].sort().join();
  const writes = [
    membershipUpdate(next, member.version),
    ...(leavesManagers && keeper ? [stillActiveManager(actor.centreId, keeper.userId)] : []),
    ...(rightsChanged ? [memberRevocationPut(actor.centreId, userId)] : []),
  ];
  try {
    await transactWrite(writes);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    if (failed.includes(0)) throw staleMembership();
    if (failed.length > 0) throw conflict('staff_changed', 'The centre staff changed meanwhile: reload and retry');
    throw error;
  }
  return next;
}

/** The identity context's port: memberships as sign-in reads them. */
export const membershipDirectory: MembershipDirectory = {
  ofUser: async (userId) => (await membershipsOfUser(userId)).map(grantOf),
  find: async (centreId, userId) => {
    const membership = await findMembership(centreId, userId);
    return membership ? grantOf(membership) : undefined;
  },
};
