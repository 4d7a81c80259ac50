import type { Actor } from '#shared/access/actor';
import { authorize, licenceScope } from '#shared/access/policy';
import { keys } from '#shared/db/keys';
import { conditionFailureItem, isConditionalCheckFailure, type Item, putItem, updateItem } from '#shared/db/table';
import { conflict, notFound, ruleViolation } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import { staleVersion } from './centre';
import { findLicence, licenceFromItem, licenceItem, licencesPage } from './repository';
import { type Licence, licenceFeatures } from './schemas';
import { isActivePractitioner } from './staff';

/** Licences (P2): created, assigned or transferred to a practitioner, features chosen, revoked. */
export function listLicences(actor: Actor, query: { limit: number; cursor?: string | undefined }, cursors: Cursors) {
  const own = licenceScope(actor) === 'own' ? actor.userId : undefined;
  return cursors.page(
    `licences:${actor.centreId}:${own ?? '*'}`,
    query.cursor,
    (start) => licencesPage(actor.centreId, own, query.limit, start),
    licenceFromItem,
  );
}

async function assertActivePractitioner(centreId: string, practitionerId: string) {
  if (!(await isActivePractitioner(centreId, practitionerId))) {
    throw ruleViolation('not_a_practitioner', 'A licence is assigned to an active practitioner of this centre', {
      fields: [{ field: 'body.practitionerId', message: 'not an active practitioner of this centre' }],
    });
  }
}

export async function createLicence(
  actor: Actor,
  input: { practitionerId?: string | undefined; features?: Licence['features'] | undefined },
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
    return licenceFromItem(out as Item);
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

export async function updateLicence(
  actor: Actor,
  licenceId: string,
  input: { features: Licence['features']; version: number },
) {
  authorize(actor, 'licence:manage');
  return changeLicence(actor, licenceId, input.version, {
    set: 'features = :features, history = list_append(history, :entry)',
    values: { ':features': input.features, ':entry': historyEntry(actor, 'features_changed') },
  });
}

export async function transferLicence(
  actor: Actor,
  licenceId: string,
  input: { practitionerId: string; version: number },
) {
  const { practitionerId, version } = input;
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
