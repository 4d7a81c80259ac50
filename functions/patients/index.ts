/**
 * The patients context's public entry: what other contexts may use. Whether a practitioner still
 * follows patients (the centres context's caseload port, for role changes).
 */
export { caseload } from './service';
/** A patient's summary (practitioner, names, status), read by the agenda together with its own items. */
export { patientLookup, type PatientSummary } from './repository';
/** Where a patient is reached (reminders), read with the dispatcher's own items. */
export { patientContactLookup, type PatientContact } from './repository';
