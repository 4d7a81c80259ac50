/**
 * The centres context's public entry: what other contexts may use. Whether someone is an active
 * practitioner (patients are followed by one), and the membership directory the identity function
 * signs people in with (its port, implemented here).
 */
export { type Caseload, isActivePractitioner, membershipDirectory } from './staff';
/** Reads the agenda batches with its own (one BatchGetItem): the centre (time zone, locations), a member. */
export { centreLookup, membershipLookup } from './repository';
/** Whom to tell about a centre's messages (reminders: SMS cap reached, an SMS that failed twice). */
export { activeManagerEmails } from './repository';
export type { Centre, Membership } from './schemas';
