/**
 * The patients context's public entry: what other contexts may use. Whether a practitioner still
 * follows patients (the centres context's caseload port, for role changes).
 */
export { caseload } from './service';
