import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import {
  getItem,
  type Item,
  type Lookup,
  queryCollection,
  queryIndex,
  stripKeys,
  type TransactItem,
} from '#shared/db/table';
import { normaliseName } from './names';
import type { Patient, Transfer } from './schemas';

/**
 * Patient items and their look-up items. A patient is one item (keys: docs/DATA_MODEL.md);
 * each phone on the file (patient's and related persons') is a small look-up item carrying the
 * patient summary, so a phone search is one Query and the portal sign-in can match a person.
 */

export const nameKey = (p: Pick<Patient, 'lastName' | 'firstName' | 'patientId'>) =>
  keys.patientNameKey(normaliseName(p.lastName), normaliseName(p.firstName), p.patientId);

export function patientItem(patient: Patient): Item {
  const name = nameKey(patient);
  return {
    ...keys.patient(patient.centreId, patient.patientId),
    ...keys.patientsOfCentreIndex(patient.centreId, name),
    ...keys.patientsOfPractitionerIndex(patient.centreId, patient.practitionerId, name),
    ...keys.patientsByBirthDateIndex(patient.centreId, patient.birthDate, patient.practitionerId, patient.patientId),
    entity: 'Patient',
    ...patient,
  };
}

export function summaryOf(patient: Patient) {
  const { patientId, practitionerId, firstName, lastName, birthDate, phone, status } = patient;
  return { patientId, practitionerId, firstName, lastName, birthDate, ...(phone ? { phone } : {}), status };
}

interface PhoneLookup {
  key: { pk: string; sk: string };
  item: Item;
}

/** The look-up items a patient file should have now. */
export function phoneLookups(patient: Patient): PhoneLookup[] {
  const people = [
    {
      phone: patient.phone,
      relation: 'patient',
      relatedPersonId: 'patient',
      firstName: patient.firstName,
      lastName: patient.lastName,
    },
    ...patient.relatedPersons.map((person) => ({ ...person })),
  ];
  return people.flatMap((person) => {
    if (!person.phone) return [];
    const key = keys.patientPhone(patient.centreId, person.phone, patient.patientId, person.relatedPersonId);
    return [
      {
        key,
        item: {
          ...key,
          entity: 'PatientPhone',
          relation: person.relation,
          personFirstName: normaliseName(person.firstName),
          personLastName: normaliseName(person.lastName),
          summary: summaryOf(patient),
        },
      },
    ];
  });
}

/** Transaction items that move the look-ups from `before` to `after`. */
export function phoneLookupChanges(before: Patient | undefined, after: Patient): TransactItem[] {
  const wanted = phoneLookups(after);
  const wantedKeys = new Set(wanted.map((l) => `${l.key.pk}|${l.key.sk}`));
  const stale = before ? phoneLookups(before).filter((l) => !wantedKeys.has(`${l.key.pk}|${l.key.sk}`)) : [];
  return [
    ...stale.map((l): TransactItem => ({ Delete: { TableName: tableName, Key: l.key } })),
    ...wanted.map((l): TransactItem => ({ Put: { TableName: tableName, Item: l.item } })),
  ];
}

const patientFromItem = (item: Item) => stripKeys(item) as unknown as Patient;
export const summaryFromItem = (item: Item) => summaryOf(patientFromItem(item));
export const transferFromItem = (item: Item) => stripKeys(item) as unknown as Transfer;

/**
 * Where a patient is reached, for reminders (read with the dispatcher's other items in one
 * BatchGetItem): their own phone and e-mail, else those of a parent or guardian; their language;
 * whether they refused the portal (R5). Nothing clinical.
 */
export interface PatientContact {
  patientId: string;
  firstName: string;
  locale?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  portalOptOut: boolean;
  status: string;
}

export const patientContactLookup = (centreId: string, patientId: string): Lookup<PatientContact | undefined> => ({
  key: keys.patient(centreId, patientId),
  read: (item) => {
    if (!item) return undefined;
    const p = patientFromItem(item);
    const carers = (p.relatedPersons ?? []).filter((r) => r.relation !== 'financial_responsible');
    return {
      patientId: p.patientId,
      firstName: p.firstName,
      locale: p.locale,
      phone: p.phone ?? carers.find((r) => r.phone)?.phone,
      email: p.email ?? carers.find((r) => r.email)?.email,
      portalOptOut: p.portalOptOut ?? false,
      status: (p as { status?: string }).status ?? 'active',
    };
  },
});

/** A patient file's summary, to read with other items in one BatchGetItem (the agenda's bookings). */
export const patientLookup = (centreId: string, patientId: string): Lookup<PatientSummary | undefined> => ({
  key: keys.patient(centreId, patientId),
  read: (item) => (item ? summaryFromItem(item) : undefined),
});

export async function findPatient(centreId: string, patientId: string) {
  const item = await getItem(keys.patient(centreId, patientId), true);
  return item ? patientFromItem(item) : undefined;
}

export type PatientQuery =
  | { by: 'centre'; centreId: string; lastNamePrefix?: string | undefined }
  | { by: 'practitioner'; centreId: string; practitionerId: string; lastNamePrefix?: string | undefined };

/**
 * One Query page of a name-ordered listing; each has its own index (docs/DATA_MODEL.md). The key
 * holds a bounded prefix of each name: a search prefix longer than that is queried by the part the
 * key holds and the page is then filtered on the full names (such pages may hold fewer items).
 */
export async function queryPatients(q: PatientQuery, limit: number, startKey?: Item) {
  const prefix = normaliseName(q.lastNamePrefix ?? '');
  const keyPrefix = keys.patientNamePrefix(prefix);
  const page = { limit, startKey };
  const result =
    q.by === 'centre'
      ? await queryIndex('gsi1', keys.patientsOfCentreIndex(q.centreId).gsi1pk, keyPrefix, page)
      : await queryIndex(
          'gsi2',
          keys.patientsOfPractitionerIndex(q.centreId, q.practitionerId).gsi2pk,
          keyPrefix,
          page,
        );
  if (keyPrefix === prefix) return result;
  return { ...result, items: result.items.filter((item) => normaliseName(String(item.lastName)).startsWith(prefix)) };
}

/**
 * The most items one look-up partition is read for: a phone is shared by a family's handful of
 * files and a centre has a handful of patients born on one day, so a look-up is one Query with
 * this cap, never a paginated listing (docs/DATA_MODEL.md).
 */
export const LOOKUP_CAP = 100;

export type PatientSummary = ReturnType<typeof summaryOf>;

/**
 * The summaries on the look-up items of one phone, in one Query: one per person having that phone,
 * so a patient appears once per relative sharing it. `complete` is false past the cap.
 */
export async function summariesWithPhone(centreId: string, phone: string) {
  const page = await queryCollection(keys.patientPhonePrefix(centreId, phone), { limit: LOOKUP_CAP });
  return { summaries: page.items.map((item) => item.summary as PatientSummary), complete: !page.lastKey };
}

/** Patients of the centre born on a day, in one Query; only one practitioner's when given. */
export async function summariesBornOn(centreId: string, birthDate: string, practitionerId?: string) {
  const index = keys.patientsByBirthDateIndex(centreId, birthDate);
  const page = await queryIndex('gsi3', index.gsi3pk, practitionerId ? `${practitionerId}#` : '', {
    limit: LOOKUP_CAP,
  });
  return { summaries: page.items.map(summaryFromItem), complete: !page.lastKey };
}

export const transfersOf = (centreId: string, patientId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.patientTransferPrefix(centreId, patientId), { limit, startKey, newestFirst: true });
