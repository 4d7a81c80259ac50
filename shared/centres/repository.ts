import type { Centre } from '#shared/centres/schemas';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  findEntity,
  getItem,
  type Item,
  queryCollection,
  queryIndex,
  type TransactItem,
  updateItem,
} from '#shared/db/table';

/** Centre, licence and invitation items (keys: docs/DATA_MODEL.md). */
export function centrePut(centre: Centre): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.centre(centre.centreId),
        ...keys.activeCentresIndex(centre.centreId),
        entity: 'Centre',
        ...centre,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export const findCentre = (centreId: string) => findEntity<Centre>(keys.centre(centreId));

/** Replaces the profile if the stored version is the expected one; undefined on a stale version. */
export async function saveCentreProfile(centre: Centre, expectedVersion: number): Promise<boolean> {
  const { centreId, createdAt, status, kind, ...profile } = centre;
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion };
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(profile)) {
    names[`#${field}`] = field;
    if (value === undefined) removes.push(`#${field}`);
    else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  try {
    await updateItem({
      Key: keys.centre(centreId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

export interface Licence {
  licenceId: string;
  centreId: string;
  practitionerId?: string | undefined;
  features: string[];
  status: 'active' | 'revoked';
  history: {
    at: string;
    by: string;
    action: 'created' | 'assigned' | 'transferred' | 'revoked' | 'features_changed';
    from?: string;
    to?: string;
  }[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function licenceItem(licence: Licence): Item {
  return {
    ...keys.licence(licence.centreId, licence.licenceId),
    ...(licence.practitionerId && licence.status === 'active'
      ? keys.licencesOfPractitionerIndex(licence.centreId, licence.practitionerId, licence.licenceId)
      : {}),
    entity: 'Licence',
    ...licence,
  };
}

export const findLicence = (centreId: string, licenceId: string) =>
  findEntity<Licence>(keys.licence(centreId, licenceId));

export function listLicences(centreId: string, practitionerId: string | undefined, limit: number, startKey?: Item) {
  if (!practitionerId) return queryCollection(keys.licencePrefix(centreId), { limit, startKey });
  const index = keys.licencesOfPractitionerIndex(centreId, practitionerId);
  return queryIndex('gsi2', index.gsi2pk, index.gsi2sk, { limit, startKey });
}

export interface Invitation {
  invitationId: string;
  centreId: string;
  email: string;
  role: 'manager' | 'practitioner' | 'secretary';
  servedPractitionerIds: string[];
  status: 'pending' | 'accepted' | 'revoked';
  tokenHash: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
}

export const findInvitation = (centreId: string, invitationId: string) =>
  findEntity<Invitation>(keys.invitation(centreId, invitationId));

/** The token item copies the invitation's immutable fields, so acceptance needs one read. */
export async function findInvitationByToken(tokenHash: string) {
  return getItem<Item & Omit<Invitation, 'status' | 'tokenHash' | 'invitedBy' | 'createdAt'> & { centreName: string }>(
    keys.invitationToken(tokenHash),
    true,
  );
}

export const listInvitations = (centreId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.invitationPrefix(centreId), { limit, startKey });
