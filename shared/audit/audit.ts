import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { type Item, putItem, queryCollection, queryIndex, type TransactItem } from '#shared/db/table';
import type { RequestMeta } from '#shared/http/contract';
import type { Actor } from '#shared/identity/actor';
import { newId } from '#shared/ids';

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
  | 'patient.audit.read';

export interface AuditEvent {
  action: AuditAction;
  patientId?: string;
  /** For list/search reads: the patients whose data was returned. */
  patientIds?: string[];
  fields?: string[];
}

function auditItem(actor: Actor, meta: RequestMeta, event: AuditEvent): Item {
  const eventId = newId();
  const partition = event.patientId
    ? keys.patientAudit(actor.centreId, event.patientId, eventId)
    : { pk: `CENTRE#${actor.centreId}#AUDIT#LISTS`, sk: eventId };
  return {
    ...partition,
    ...keys.userAuditIndex(actor.centreId, actor.userId, eventId),
    entity: 'AuditEvent',
    eventId,
    centreId: actor.centreId,
    at: new Date().toISOString(),
    actorId: actor.userId,
    actorRole: actor.role,
    requestId: meta.requestId,
    sourceIp: meta.sourceIp,
    userAgent: meta.userAgent,
    ...event,
  };
}

/** For writes: part of the same transaction as the change it records. */
export function auditPut(actor: Actor, meta: RequestMeta, event: AuditEvent): TransactItem {
  return { Put: { TableName: tableName, Item: auditItem(actor, meta, event) } };
}

/** For reads: recorded once the read succeeded. */
export async function recordRead(actor: Actor, meta: RequestMeta, event: AuditEvent) {
  await putItem(auditItem(actor, meta, event));
}

export const patientAuditTrail = (centreId: string, patientId: string, limit: number, startKey?: Item) =>
  queryCollection({ pk: keys.patientAuditPartition(centreId, patientId) }, { limit, startKey, newestFirst: true });

/** Everything a staff member did with patient data, latest first, lists and searches included. */
export const userAuditTrail = (centreId: string, userId: string, limit: number, startKey?: Item) =>
  queryIndex('gsi1', keys.userAuditPartition(centreId, userId), '', { limit, startKey, newestFirst: true });
