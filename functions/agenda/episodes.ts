import { patientLookup } from '#contexts/patients';
import type { Actor } from '#shared/access/actor';
import { assertPatientVisible, authorize } from '#shared/access/policy';
import { auditPut, recordRead } from '#shared/audit/audit';
import { tableName } from '#shared/db/client';
import { batchLookup, transactWrite } from '#shared/db/table';
import { notFound } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import type { Origin } from '#shared/origin';
import { episodeFromItem, episodeItem, episodeLookup, episodesPage, type StoredEpisode } from './repository';
import { usedPercent } from './rules';
import type { CareEpisode, CreateCareEpisodeInput } from './schemas';

/**
 * Care episodes (R2): a prescription and its insurer agreement, with the sessions granted per kind.
 * Bookings plan sessions against it (the quota is a condition of the booking transaction), done
 * sessions use them; the episode answers used / planned / remaining per kind.
 */
export function episodeView(e: StoredEpisode): CareEpisode {
  const { centreId, granted, used, planned, available, ...rest } = e;
  return {
    ...rest,
    quotas: Object.keys(granted).map((kind) => ({
      kind,
      granted: granted[kind]!,
      used: used[kind] ?? 0,
      planned: planned[kind] ?? 0,
      remaining: available[kind] ?? 0,
    })),
    usedPercent: usedPercent(e),
  };
}

async function visiblePatient(actor: Actor, patientId: string) {
  const [patient] = await batchLookup(patientLookup(actor.centreId, patientId));
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  return patient;
}

export async function createCareEpisode(
  actor: Actor,
  patientId: string,
  input: CreateCareEpisodeInput,
  origin: Origin,
) {
  authorize(actor, 'care-episode:manage');
  const patient = await visiblePatient(actor, patientId);
  const zeroes = Object.fromEntries(input.grants.map((g) => [g.kind, 0]));
  const granted = Object.fromEntries(input.grants.map((g) => [g.kind, g.sessions]));
  const episode: StoredEpisode = {
    episodeId: newId(),
    centreId: actor.centreId,
    patientId,
    practitionerId: patient.practitionerId,
    prescriptionDate: input.prescriptionDate,
    ...(input.prescriber ? { prescriber: input.prescriber } : {}),
    ...(input.agreement ? { agreement: input.agreement } : {}),
    expiresOn: input.expiresOn,
    granted,
    used: { ...zeroes },
    planned: { ...zeroes },
    available: { ...granted },
    version: 1,
    createdAt: new Date().toISOString(),
    createdBy: actor.userId,
  };
  await transactWrite([
    { Put: { TableName: tableName, Item: episodeItem(episode), ConditionExpression: 'attribute_not_exists(pk)' } },
    auditPut(actor, origin, {
      action: 'care-episode.create',
      patientId,
      recordIds: [episode.episodeId],
      fields: Object.keys(input),
    }),
  ]);
  return episodeView(episode);
}

export async function getCareEpisode(actor: Actor, patientId: string, episodeId: string, origin: Origin) {
  authorize(actor, 'care-episode:manage');
  const [patient, episode] = await batchLookup(
    patientLookup(actor.centreId, patientId),
    episodeLookup(actor.centreId, patientId, episodeId),
  );
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  if (!episode) throw notFound('care_episode');
  await recordRead(actor, origin, { action: 'care-episode.read', patientId, recordIds: [episodeId] });
  return episodeView(episode);
}

export async function listCareEpisodes(
  actor: Actor,
  patientId: string,
  query: { limit: number; cursor?: string | undefined },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'care-episode:manage');
  await visiblePatient(actor, patientId);
  const page = await cursors.page(
    `care-episodes:${actor.centreId}:${patientId}`,
    query.cursor,
    (startKey) => episodesPage(actor.centreId, patientId, query.limit, startKey),
    (item) => episodeView(episodeFromItem(item)),
  );
  await recordRead(actor, origin, {
    action: 'care-episode.read',
    patientId,
    recordIds: page.items.map((e) => e.episodeId),
  });
  return page;
}
