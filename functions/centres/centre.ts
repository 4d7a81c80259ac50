import type { Actor } from '#shared/access/actor';
import { authorize } from '#shared/access/policy';
import { conflict, notFound } from '#shared/errors';
import { newId } from '#shared/ids';
import { findCentre, saveCentreProfile } from './repository';
import type { Centre, UpdateCentreInput } from './schemas';

/** The centre profile (P1): name, address, VAT, contact, opening hours, locations, zone, locale. */
export async function getCentre(actor: Actor): Promise<Centre> {
  authorize(actor, 'centre:read');
  const centre = await findCentre(actor.centreId);
  if (!centre) throw notFound('centre');
  return centre;
}

export const staleVersion = (currentVersion?: number) =>
  conflict('version_conflict', 'The resource was changed by someone else: reload and retry', {
    ...(currentVersion ? { currentVersion } : {}),
  });

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
