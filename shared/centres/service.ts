import { userAuditTrail } from '#shared/audit/audit';
import { findCentre, findLicence, type Licence, licenceItem, saveCentreProfile } from '#shared/centres/repository';
import { type Centre, licenceFeatures, type UpdateCentreInput } from '#shared/centres/schemas';
import { keys } from '#shared/db/keys';
import {
  conditionFailureItem,
  isConditionalCheckFailure,
  type Item,
  putItem,
  stripKeys,
  transactionConditionFailed,
  transactWrite,
  updateItem,
} from '#shared/db/table';
import { conflict, notFound, ruleViolation, validationError } from '#shared/errors';
import { paged } from '#shared/http/paging';
import type { Actor, Role } from '#shared/identity/actor';
import { authorize, licenceScope } from '#shared/identity/policy';
import {
  findCredential,
  findMembership,
  membersOfCentre,
  membershipUpdate,
  stillActiveManager,
} from '#shared/identity/repository';
import { queryPatients } from '#shared/patients/repository';
import type { Membership } from '#shared/identity/schemas';
import { newId } from '#shared/ids';

// --- Centre profile (P1) ---------------------------------------------------------------------

export async function getCentre(actor: Actor): Promise<Centre> {
  authorize(actor, 'centre:read');
  const centre = await findCentre(actor.centreId);
  if (!centre) throw notFound('centre');
  return centre;
}

export async function updateCentre(actor: Actor, input: UpdateCentreInput): Promise<Centre> {
  authorize(actor, 'centre:update');
  const current = await getCentre(actor);
  if (current.version !== input.version) throw staleVersion(current.version);
  const { version, locations, ...changes } = input;
  const updated: Centre = {
    ...current,
    ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
    ...(locations ? { locations: locations.map((l) => ({ ...l, locationId: l.locationId ?? newId() })) } : {}),
    version: current.version + 1,
    updatedAt: new Date().toISOString(),
  };
  if (!(await saveCentreProfile(updated, current.version))) throw staleVersion();
  return updated;
}

const staleVersion = (currentVersion?: number) =>
  conflict('version_conflict', 'The resource was changed by someone else: reload and retry', {
    ...(currentVersion ? { currentVersion } : {}),
  });

// --- Staff and invitations (P2, P3) ----------------------------------------------------------

export async function listStaff(actor: Actor, limit: number, startKey?: Item) {
  authorize(actor, 'staff:list');
  return membersOfCentre(actor.centreId, limit, startKey);
}

/**
 * P5, per person: every access to patient data a staff member made, latest first, with lists and
 * searches (and the patients they returned). Managers only; a person of another centre is not found.
 */
export async function staffAuditTrail(actor: Actor, userId: string, limit: number, cursor: string | undefined) {
  authorize(actor, 'staff:audit');
  if (!(await findMembership(actor.centreId, userId))) throw notFound('staff_member');
  return paged(`staff-audit:${actor.centreId}:${userId}`, cursor, (start) =>
    userAuditTrail(actor.centreId, userId, limit, start),
  );
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
  if (next.role === 'manager' && member.role !== 'manager') {
    // Managers must sign in with a second factor, and cannot enrol one once they are managers.
    const credential = await findCredential(member.email);
    if (!credential?.totpSecret) {
      throw ruleViolation(
        'mfa_enrolment_required',
        'The person must enrol a second factor (POST /me/totp) before becoming a manager',
      );
    }
  }
  if (member.role === 'practitioner' && next.role !== 'practitioner') {
    const followed = await queryPatients({ by: 'practitioner', centreId: actor.centreId, practitionerId: userId }, 1);
    if (followed.items.length > 0) {
      throw ruleViolation(
        'practitioner_has_patients',
        "Transfer this practitioner's patients before changing the role",
      );
    }
  }
  // The version condition serialises changes of this member. Stepping a manager down also holds
  // the transaction to another manager still being active, so two managers demoting each other
  // at once cannot leave the centre without one (docs/decisions/0009-staff-changes.md).
  const writes = [
    membershipUpdate(next, member.version),
    ...(leavesManagers && keeper ? [stillActiveManager(actor.centreId, keeper.userId)] : []),
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

// --- Licences (P2) -----------------------------------------------------------------------------

async function assertActivePractitioner(centreId: string, practitionerId: string) {
  const member = await findMembership(centreId, practitionerId);
  if (member?.role !== 'practitioner' || member.status !== 'active') {
    throw ruleViolation('not_a_practitioner', 'A licence is assigned to an active practitioner of this centre', {
      fields: [{ field: 'body.practitionerId', message: 'not an active practitioner of this centre' }],
    });
  }
}

export async function createLicence(
  actor: Actor,
  input: { practitionerId?: string | undefined; features?: string[] | undefined },
) {
  authorize(actor, 'licence:manage');
  if (input.practitionerId) await assertActivePractitioner(actor.centreId, input.practitionerId);
  const now = new Date().toISOString();
  const licence: Licence = {
    licenceId: newId(),
    centreId: actor.centreId,
    practitionerId: input.practitionerId,
    features: input.features ?? [...licenceFeatures],
    status: 'active',
    history: [
      { at: now, by: actor.userId, action: 'created' },
      ...(input.practitionerId
        ? [{ at: now, by: actor.userId, action: 'assigned' as const, to: input.practitionerId }]
        : []),
    ],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await putItem(licenceItem(licence), { expression: 'attribute_not_exists(pk)' });
  return licence;
}

export async function getLicence(actor: Actor, licenceId: string) {
  const scope = licenceScope(actor);
  const licence = await findLicence(actor.centreId, licenceId);
  if (!licence || (scope === 'own' && licence.practitionerId !== actor.userId)) throw notFound('licence');
  return licence;
}

/** Conditional update of a licence; a failed condition is explained from the old item. */
async function changeLicence(
  actor: Actor,
  licenceId: string,
  expectedVersion: number | undefined,
  update: { set: string; remove?: string; values: Record<string, unknown> },
) {
  try {
    const out = await updateItem({
      Key: keys.licence(actor.centreId, licenceId),
      UpdateExpression: `SET ${update.set}, version = version + :one, updatedAt = :now${update.remove ? ` REMOVE ${update.remove}` : ''}`,
      ConditionExpression: `attribute_exists(pk) AND #status = :active${expectedVersion ? ' AND version = :expected' : ''}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...update.values,
        ':one': 1,
        ':now': new Date().toISOString(),
        ':active': 'active',
        ...(expectedVersion ? { ':expected': expectedVersion } : {}),
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return stripKeys(out as Item) as unknown as Licence;
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const old = conditionFailureItem(error);
    if (!old) throw notFound('licence');
    if (old.status !== 'active') throw conflict('licence_revoked', 'The licence is revoked');
    throw staleVersion(Number(old.version));
  }
}

const historyEntry = (
  actor: Actor,
  action: Licence['history'][number]['action'],
  extra: { from?: string; to?: string } = {},
) => [{ at: new Date().toISOString(), by: actor.userId, action, ...extra }];

export async function updateLicenceFeatures(actor: Actor, licenceId: string, features: string[], version: number) {
  authorize(actor, 'licence:manage');
  return changeLicence(actor, licenceId, version, {
    set: 'features = :features, history = list_append(history, :entry)',
    values: { ':features': features, ':entry': historyEntry(actor, 'features_changed') },
  });
}

export async function transferLicence(actor: Actor, licenceId: string, practitionerId: string, version: number) {
  authorize(actor, 'licence:manage');
  const licence = await findLicence(actor.centreId, licenceId);
  if (!licence) throw notFound('licence');
  if (licence.practitionerId === practitionerId)
    throw conflict('already_assigned', 'The licence is already assigned to this practitioner');
  await assertActivePractitioner(actor.centreId, practitionerId);
  const index = keys.licencesOfPractitionerIndex(actor.centreId, practitionerId, licenceId);
  const action = licence.practitionerId ? 'transferred' : 'assigned';
  return changeLicence(actor, licenceId, version, {
    set: 'practitionerId = :to, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, history = list_append(history, :entry)',
    values: {
      ':to': practitionerId,
      ':gsi2pk': index.gsi2pk,
      ':gsi2sk': index.gsi2sk,
      ':entry': historyEntry(actor, action, {
        ...(licence.practitionerId ? { from: licence.practitionerId } : {}),
        to: practitionerId,
      }),
    },
  });
}

export async function revokeLicence(actor: Actor, licenceId: string) {
  authorize(actor, 'licence:manage');
  await changeLicence(actor, licenceId, undefined, {
    set: '#status = :revoked, history = list_append(history, :entry)',
    remove: 'gsi2pk, gsi2sk',
    values: { ':revoked': 'revoked', ':entry': historyEntry(actor, 'revoked') },
  });
}
