import { isActivePractitioner } from '#contexts/centres';
import type { Actor } from '#shared/access/actor';
import {
  assertPatientVisible,
  authorize,
  canSeePractitionerPatients,
  mayHandleClinicalData,
  visiblePractitioners,
} from '#shared/access/policy';
import {
  type AuditEvent,
  auditEventOf,
  auditPut,
  patientAuditTrail,
  recordListRead,
  recordRead,
} from '#shared/audit/audit';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, forbidden, notFound, ruleViolation, validationError } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import { logger } from '#shared/logger';
import type { Origin } from '#shared/origin';
import {
  findPatient,
  LOOKUP_CAP,
  type PatientQuery,
  type PatientSummary,
  patientItem,
  phoneLookupChanges,
  queryPatients,
  summariesBornOn,
  summariesWithPhone,
  summaryFromItem,
  transferFromItem,
  transfersOf,
} from './repository';
import type { CreatePatientInput, Patient, UpdatePatientInput } from './schemas';

/** Fields only clinical staff may read or write (P3: secretaries handle contact data only). */
const CLINICAL_FIELDS = ['notes', 'nationalRegisterNumber'] as const;

function assertNoClinicalFields(actor: Actor, input: Record<string, unknown>) {
  if (mayHandleClinicalData(actor)) return;
  const touched = CLINICAL_FIELDS.filter((field) => input[field] !== undefined);
  if (touched.length) {
    throw forbidden('Secretaries may not write clinical data', 'clinical_data_forbidden');
  }
}

/** What the actor may see of a file. */
export function viewOf(actor: Actor, patient: Patient) {
  const { centreId, ...rest } = patient;
  if (mayHandleClinicalData(actor)) return rest;
  const { notes, nationalRegisterNumber, ...contact } = rest;
  return contact;
}

async function assertActivePractitioner(centreId: string, practitionerId: string, field: string) {
  if (!(await isActivePractitioner(centreId, practitionerId))) {
    throw ruleViolation('not_a_practitioner', 'Patients are followed by an active practitioner of this centre', {
      fields: [{ field, message: 'not an active practitioner of this centre' }],
    });
  }
}

/** Which practitioner a new patient belongs to, from the actor's role. */
function owningPractitioner(actor: Actor, requested: string | undefined): string {
  if (actor.role === 'practitioner') {
    if (requested && requested !== actor.userId)
      throw forbidden('Practitioners create their own patients', 'not_your_practitioner');
    return actor.userId;
  }
  const visible = visiblePractitioners(actor);
  const chosen = requested ?? (visible !== 'all' && visible.length === 1 ? visible[0] : undefined);
  if (!chosen)
    throw validationError('Say which practitioner follows the patient', [
      { field: 'body.practitionerId', message: 'required' },
    ]);
  if (!canSeePractitionerPatients(actor, chosen))
    throw forbidden('You do not serve this practitioner', 'not_your_practitioner');
  return chosen;
}

export async function createPatient(actor: Actor, input: CreatePatientInput, origin: Origin) {
  authorize(actor, 'patient:create');
  assertNoClinicalFields(actor, input);
  const practitionerId = owningPractitioner(actor, input.practitionerId);
  await assertActivePractitioner(actor.centreId, practitionerId, 'body.practitionerId');
  const now = new Date().toISOString();
  const { practitionerId: _, relatedPersons, correspondents, portalOptOut, ...fields } = input;
  const patient: Patient = {
    ...fields,
    patientId: newId(),
    centreId: actor.centreId,
    practitionerId,
    relatedPersons: (relatedPersons ?? []).map((p) => ({
      ...p,
      relatedPersonId: p.relatedPersonId ?? newId(),
    })),
    correspondents: (correspondents ?? []).map((c) => ({
      ...c,
      correspondentId: c.correspondentId ?? newId(),
    })),
    portalOptOut: portalOptOut ?? false,
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
    createdBy: actor.userId,
  };
  await transactWrite([
    {
      Put: {
        TableName: tableName,
        Item: patientItem(patient),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...phoneLookupChanges(undefined, patient),
    auditPut(actor, origin, {
      action: 'patient.create',
      patientId: patient.patientId,
      fields: Object.keys(input),
    }),
  ]);
  return viewOf(actor, patient);
}

/** Reads a file the actor may see, or answers 404 (also for another centre's or colleague's). */
async function visiblePatient(actor: Actor, patientId: string) {
  const patient = await findPatient(actor.centreId, patientId);
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  return patient;
}

export async function getPatient(actor: Actor, patientId: string, origin: Origin) {
  authorize(actor, 'patient:read');
  const patient = await visiblePatient(actor, patientId);
  await recordRead(actor, origin, { action: 'patient.read', patientId });
  return viewOf(actor, patient);
}

const staleVersion = (currentVersion: number) =>
  conflict('version_conflict', 'The patient file was changed by someone else: reload and retry', {
    currentVersion,
  });

/** Saves a new state of a file if nobody changed it meanwhile (optimistic locking). */
async function saveIfUnchanged(
  before: Patient,
  after: Patient,
  extra: ReturnType<typeof auditPut>[],
  audit: AuditEvent,
  actor: Actor,
  origin: Origin,
) {
  try {
    await transactWrite([
      {
        Put: {
          TableName: tableName,
          Item: patientItem(after),
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeValues: { ':expected': before.version },
        },
      },
      ...phoneLookupChanges(before, after),
      ...extra,
      auditPut(actor, origin, audit),
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).includes(0)) throw staleVersion(before.version);
    throw error;
  }
}

export async function updatePatient(actor: Actor, patientId: string, input: UpdatePatientInput, origin: Origin) {
  authorize(actor, 'patient:update');
  assertNoClinicalFields(actor, input);
  const before = await visiblePatient(actor, patientId);
  if (before.version !== input.version) throw staleVersion(before.version);
  const { version, relatedPersons, correspondents, ...changes } = input;
  const after: Patient = { ...before };
  const record = after as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete record[field];
    else if (value !== undefined) record[field] = value;
  }
  if (relatedPersons)
    after.relatedPersons = relatedPersons.map((p) => ({
      ...p,
      relatedPersonId: p.relatedPersonId ?? newId(),
    }));
  if (correspondents)
    after.correspondents = correspondents.map((c) => ({
      ...c,
      correspondentId: c.correspondentId ?? newId(),
    }));
  after.version = before.version + 1;
  after.updatedAt = new Date().toISOString();
  const fields = Object.keys(input).filter(
    (k) => k !== 'version' && (input as Record<string, unknown>)[k] !== undefined,
  );
  await saveIfUnchanged(before, after, [], { action: 'patient.update', patientId, fields }, actor, origin);
  return viewOf(actor, after);
}

/** R4: the file moves to another practitioner and keeps its history (a transfer record). */
export async function transferPatient(
  actor: Actor,
  patientId: string,
  input: { toPractitionerId: string; version: number; reason?: string | undefined },
  origin: Origin,
) {
  authorize(actor, 'patient:transfer');
  const before = await visiblePatient(actor, patientId);
  if (before.version !== input.version) throw staleVersion(before.version);
  if (before.practitionerId === input.toPractitionerId) {
    throw conflict('already_followed', 'The patient is already followed by this practitioner');
  }
  await assertActivePractitioner(actor.centreId, input.toPractitionerId, 'body.toPractitionerId');
  const now = new Date().toISOString();
  const after: Patient = {
    ...before,
    practitionerId: input.toPractitionerId,
    version: before.version + 1,
    updatedAt: now,
  };
  const transferId = newId();
  const transfer = {
    ...keys.patientTransfer(actor.centreId, patientId, transferId),
    entity: 'PatientTransfer',
    transferId,
    at: now,
    by: actor.userId,
    fromPractitionerId: before.practitionerId,
    toPractitionerId: input.toPractitionerId,
    ...(input.reason ? { reason: input.reason } : {}),
  };
  await saveIfUnchanged(
    before,
    after,
    [{ Put: { TableName: tableName, Item: transfer } }],
    { action: 'patient.transfer', patientId, fields: ['practitionerId'] },
    actor,
    origin,
  );
  return viewOf(actor, after);
}

/** Whose patients a listing or search may show: every practitioner's (managers) or these. */
function practitionersInScope(actor: Actor, requested: string | undefined): 'all' | string[] {
  if (requested) {
    if (!canSeePractitionerPatients(actor, requested)) {
      throw forbidden("You may not list this practitioner's patients", 'not_your_practitioner');
    }
    return [requested];
  }
  const visible = visiblePractitioners(actor);
  if (visible !== 'all' && visible.length === 0) {
    throw forbidden('You serve no practitioner yet', 'no_served_practitioner');
  }
  return visible;
}

/**
 * Phone and birth-date searches are look-ups: their partition holds a family's or a day's handful
 * of items, so it is read in one capped Query and answered complete, de-duplicated (one phone item
 * per relative sharing the number) and filtered to the practitioners in scope, with no cursor
 * (docs/DATA_MODEL.md).
 */
async function lookUpPatients(
  centreId: string,
  search: { phone: string } | { birthDate: string },
  scope: 'all' | string[],
): Promise<PatientSummary[]> {
  const onlyOne = scope !== 'all' && scope.length === 1 ? scope[0] : undefined;
  const { summaries, complete } =
    'phone' in search
      ? await summariesWithPhone(centreId, search.phone)
      : await summariesBornOn(centreId, search.birthDate, onlyOne);
  if (!complete) logger.warn('look-up partition over its cap: results truncated', { cap: LOOKUP_CAP });
  const seen = new Set<string>();
  return summaries.filter((p) => {
    if (seen.has(p.patientId) || (scope !== 'all' && !scope.includes(p.practitionerId))) return false;
    seen.add(p.patientId);
    return true;
  });
}

export async function listPatients(
  actor: Actor,
  query: {
    limit: number;
    cursor?: string | undefined;
    lastName?: string | undefined;
    phone?: string | undefined;
    birthDate?: string | undefined;
    practitionerId?: string | undefined;
  },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'patient:list');
  const scope = practitionersInScope(actor, query.practitionerId);
  const centreId = actor.centreId;
  const search = query.phone ? { phone: query.phone } : query.birthDate ? { birthDate: query.birthDate } : undefined;
  if (search) {
    const items = await lookUpPatients(centreId, search, scope);
    await recordListRead(actor, origin, {
      action: 'patient.list',
      patientIds: items.map((p) => p.patientId),
      search: 'phone' in search ? 'phone' : 'birthDate',
    });
    return { items };
  }
  // Name-ordered listings page through one index partition: the centre's or one practitioner's.
  if (scope !== 'all' && scope.length > 1) {
    throw validationError('You serve several practitioners: say whose patients to list', [
      { field: 'query.practitionerId', message: 'required to list by name when serving several practitioners' },
    ]);
  }
  const q: PatientQuery =
    scope === 'all'
      ? { by: 'centre', centreId, lastNamePrefix: query.lastName }
      : { by: 'practitioner', centreId, practitionerId: scope[0]!, lastNamePrefix: query.lastName };
  const page = await cursors.page(
    `patients:${actor.userId}:${JSON.stringify(q)}`,
    query.cursor,
    (start) => queryPatients(q, query.limit, start),
    summaryFromItem,
  );
  await recordListRead(actor, origin, {
    action: 'patient.list',
    patientIds: page.items.map((p) => p.patientId),
    search: query.lastName ? 'name' : undefined,
  });
  return page;
}

type PageQuery = { limit: number; cursor?: string | undefined };

/** R4: who moved a file, when, and (for clinical staff) why. */
export async function listPatientHistory(
  actor: Actor,
  patientId: string,
  query: PageQuery,
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'patient:read');
  await visiblePatient(actor, patientId);
  // The free-text reason may say why care moved (clinical): secretaries see who and when only.
  const clinical = mayHandleClinicalData(actor);
  const page = await cursors.page(
    `transfers:${actor.centreId}:${patientId}`,
    query.cursor,
    (start) => transfersOf(actor.centreId, patientId, query.limit, start),
    (item) => {
      const { reason, ...transfer } = transferFromItem(item);
      return clinical && reason !== undefined ? { ...transfer, reason } : transfer;
    },
  );
  await recordRead(actor, origin, { action: 'patient.history.read', patientId });
  return page;
}

/** P5: every access to a file, latest first (managers). */
export async function listPatientAudit(
  actor: Actor,
  patientId: string,
  query: PageQuery,
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'patient:audit');
  await visiblePatient(actor, patientId);
  const page = await cursors.page(
    `audit:${actor.centreId}:${patientId}`,
    query.cursor,
    (start) => patientAuditTrail(actor.centreId, patientId, query.limit, start),
    auditEventOf,
  );
  await recordRead(actor, origin, { action: 'patient.audit.read', patientId });
  return page;
}

/** The centres context's port: a practitioner who still follows patients keeps the role. */
export const caseload = {
  async followsPatients(centreId: string, practitionerId: string) {
    const followed = await queryPatients({ by: 'practitioner', centreId, practitionerId }, 1);
    return followed.items.length > 0;
  },
};
