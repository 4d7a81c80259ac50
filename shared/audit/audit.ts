import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { batchPut, type Item, putItem, queryCollection, queryIndex, type TransactItem } from '#shared/db/table';
import type { Actor } from '#shared/access/actor';
import type { AuditEventView } from '#shared/audit/schemas';
import { newId } from '#shared/ids';
import type { Origin } from '#shared/origin';

/**
 * The audit trail of health data (P5): who (user, role), when, what (action, patient, field
 * names — never values), from where (IP, user agent) and the request id. Writes put the record
 * in the same transaction as the change; reads write it right after the read succeeds, before
 * the answer leaves. Records are kept (no TTL): patient files live 30 years and more.
 */
export type AuditAction =
  | 'patient.create'
  | 'patient.read'
  | 'patient.update'
  | 'patient.transfer'
  | 'patient.list'
  | 'patient.history.read'
  | 'patient.audit.read'
  | 'appointment.create'
  | 'appointment.undo'
  | 'appointment.read'
  | 'appointment.update'
  | 'appointment.move'
  | 'appointment.cancel'
  | 'appointment.status'
  | 'appointment.close'
  | 'agenda.read'
  | 'care-episode.create'
  | 'care-episode.read'
  | 'calendar.share'
  | 'calendar.read'
  | 'appointment.confirm'
  | 'reminder.send'
  | 'reminder.link.open'
  | 'messages.read'
  | 'reminder-preferences.read'
  | 'reminder-preferences.update';

/** Reads of several patients at once (lists, searches, agendas, calendar feeds). */
export type ListAction = 'patient.list' | 'agenda.read' | 'calendar.read';

/** How a list found its patients: the kind of search only, never the value searched. */
export type SearchKind = 'name' | 'phone' | 'birthDate';

export interface AuditEvent {
  action: AuditAction;
  patientId?: string;
  /** For list/search reads: the patients whose data was returned. */
  patientIds?: string[];
  fields?: string[];
  /** The records of the file the action touched (appointments, care episodes). */
  recordIds?: string[];
  /** In a patient's trail, for a list or search that returned the patient: the list's own event. */
  listEventId?: string;
  search?: SearchKind;
}

/**
 * Who acted: a staff member (the verified token's actor), or a principal that is not a person — a
 * calendar link read by whoever holds its address (`role: 'calendar-link'`, `userId`: the link id),
 * a reminder's confirm / cancel link (`reminder-link`, `userId`: the message id), or a scheduled
 * job (`system`, `userId`: the schedule's name).
 */
export type AuditActor = Pick<Actor, 'userId' | 'centreId'> & {
  role: Actor['role'] | 'calendar-link' | 'reminder-link' | 'system';
};

/** Who, when and from where: the part every record of one request shares. */
function auditHeader(actor: AuditActor, origin: Origin) {
  return {
    entity: 'AuditEvent',
    centreId: actor.centreId,
    at: new Date().toISOString(),
    actorId: actor.userId,
    actorRole: actor.role,
    requestId: origin.requestId,
    sourceIp: origin.sourceIp,
    userAgent: origin.userAgent,
  };
}

function auditItem(actor: AuditActor, origin: Origin, event: AuditEvent, header = auditHeader(actor, origin)): Item {
  const eventId = newId();
  const { pk, sk } = event.patientId
    ? keys.patientAudit(actor.centreId, event.patientId, eventId)
    : keys.listAudit(actor.centreId, eventId);
  const { gsi1pk, gsi1sk } = keys.userAuditIndex(actor.centreId, actor.userId, eventId);
  return { pk, sk, gsi1pk, gsi1sk, eventId, ...header, ...event };
}

/** For writes: part of the same transaction as the change it records. */
export function auditPut(actor: AuditActor, origin: Origin, event: AuditEvent): TransactItem {
  return { Put: { TableName: tableName, Item: auditItem(actor, origin, event) } };
}

/**
 * Several records at once, each with its own actor (a job's batch across centres), in BatchWriteItem
 * requests of 25 sent together; a failure throws.
 */
export async function recordMany(origin: Origin, records: { actor: AuditActor; event: AuditEvent }[]) {
  await batchPut(records.map(({ actor, event }) => auditItem(actor, origin, event)));
}

/** For reads: recorded once the read succeeded. */
export async function recordRead(actor: AuditActor, origin: Origin, event: AuditEvent) {
  await putItem(auditItem(actor, origin, event));
}

/**
 * For a list or search read, once it succeeded: one event in the actor's trail naming every patient
 * returned, and one in each returned patient's own trail pointing to it (`listEventId`), so every
 * read of a file can be listed per patient (P5). The patient records say which kind of search found
 * the patient, never the value searched. Cost: ⌈(n + 1) / 25⌉ BatchWriteItem requests for n
 * patients, sent together; a failure fails the request, so nothing is shown unrecorded.
 */
export async function recordListRead(
  actor: Actor,
  origin: Origin,
  event: { action: ListAction; patientIds: string[]; search?: SearchKind | undefined },
) {
  const header = auditHeader(actor, origin);
  const search = event.search ? { search: event.search } : {};
  const patientIds = [...new Set(event.patientIds)];
  const list = auditItem(actor, origin, { action: event.action, patientIds, ...search }, header);
  const perPatient = patientIds.map((patientId): Item => {
    const eventId = newId();
    const key = keys.patientAudit(actor.centreId, patientId, eventId);
    return { ...key, eventId, ...header, action: event.action, patientId, listEventId: list.eventId, ...search };
  });
  await batchPut([list, ...perPatient]);
}

export const patientAuditTrail = (centreId: string, patientId: string, limit: number, startKey?: Item) =>
  queryCollection({ pk: keys.patientAuditPartition(centreId, patientId) }, { limit, startKey, newestFirst: true });

/** Everything a staff member did with patient data, latest first, lists and searches included. */
export const userAuditTrail = (centreId: string, userId: string, limit: number, startKey?: Item) =>
  queryIndex('gsi1', keys.userAuditPartition(centreId, userId), '', { limit, startKey, newestFirst: true });

/** An audit item as the API shows it (shared/audit/schemas.ts): exactly the documented fields. */
export function auditEventOf(item: Item): AuditEventView {
  const e = item as Item & AuditEventView;
  return {
    eventId: e.eventId,
    at: e.at,
    action: e.action,
    actorId: e.actorId,
    actorRole: e.actorRole,
    requestId: e.requestId,
    sourceIp: e.sourceIp,
    userAgent: e.userAgent,
    ...(e.patientId !== undefined ? { patientId: e.patientId } : {}),
    ...(e.patientIds !== undefined ? { patientIds: e.patientIds } : {}),
    ...(e.fields !== undefined ? { fields: e.fields } : {}),
    ...(e.recordIds !== undefined ? { recordIds: e.recordIds } : {}),
    ...(e.listEventId !== undefined ? { listEventId: e.listEventId } : {}),
    ...(e.search !== undefined ? { search: e.search } : {}),
  };
}
