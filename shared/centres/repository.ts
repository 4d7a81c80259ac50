import type { Centre } from '#shared/centres/schemas';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { getItem, type Item, queryPage, stripKeys, type TransactItem, updateItem } from '#shared/db/table';

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

export async function findCentre(centreId: string): Promise<Centre | undefined> {
  const item = await getItem(keys.centre(centreId));
  return item ? (stripKeys(item) as unknown as Centre) : undefined;
}

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

export async function findLicence(centreId: string, licenceId: string) {
  const item = await getItem(keys.licence(centreId, licenceId));
  return item ? (stripKeys(item) as unknown as Licence) : undefined;
}

export async function listLicences(
  centreId: string,
  practitionerId: string | undefined,
  limit: number,
  startKey?: Item,
) {
  if (practitionerId) {
    const index = keys.licencesOfPractitionerIndex(centreId, practitionerId);
    return queryPage<Item>({
      index: 'gsi2',
      partition: { name: 'gsi2pk', value: index.gsi2pk },
      sort: { name: 'gsi2sk', beginsWith: index.gsi2sk },
      limit,
      startKey,
    });
  }
  const prefix = keys.licencePrefix(centreId);
  return queryPage<Item>({
    partition: { name: 'pk', value: prefix.pk },
    sort: { name: 'sk', beginsWith: prefix.skPrefix },
    limit,
    startKey,
  });
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

export async function findInvitation(centreId: string, invitationId: string) {
  const item = await getItem(keys.invitation(centreId, invitationId));
  return item ? (stripKeys(item) as unknown as Invitation) : undefined;
}

/** The token item copies the invitation's immutable fields, so acceptance needs one read. */
export async function findInvitationByToken(tokenHash: string) {
  return getItem<
    Item & Omit<Invitation, 'status' | 'tokenHash' | 'invitedBy' | 'createdAt'> & { centreName: string }
  >(keys.invitationToken(tokenHash), true);
}

export async function listInvitations(centreId: string, limit: number, startKey?: Item) {
  const prefix = keys.invitationPrefix(centreId);
  return queryPage<Item>({
    partition: { name: 'pk', value: prefix.pk },
    sort: { name: 'sk', beginsWith: prefix.skPrefix },
    limit,
    startKey,
  });
}
