/**
 * Every key of the single table is built here and nowhere else (see docs/DATA_MODEL.md).
 * Partition keys start with the tenant (`CENTRE#<id>`) for all centre data, so a key built from
 * the verified token can never reach another centre's items.
 */
export interface TableKey {
  pk: string;
  sk: string;
}

const C = (centreId: string) => `CENTRE#${centreId}`;

/**
 * DynamoDB refuses a partition key over 2 048 bytes and a sort key over 1 024 (UTF-8). Every key
 * below is built from ids, hashes, dates, E.164 phones and e-mails (≤ 254 ASCII) — bounded by their
 * schemas — except names, which are free text in any script: a name part enters a key as at most
 * NAME_KEY_BYTES bytes of its normalised form, the full name staying an attribute
 * (docs/decisions/0015-user-text-in-keys.md).
 */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
export const NAME_KEY_BYTES = 300;

const utf8 = new TextEncoder();

/** At most `maxBytes` UTF-8 bytes of `text`, cut between code points (never inside a pair). */
export function boundedKeyText(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // a UTF-16 unit is at most 3 bytes of UTF-8
  return text.slice(0, utf8.encodeInto(text, new Uint8Array(maxBytes)).read);
}

/** The name-ordered sort key of a patient, from the normalised last and first names. */
const patientNameKey = (lastName: string, firstName: string, patientId: string) =>
  `${boundedKeyText(lastName, NAME_KEY_BYTES)}#${boundedKeyText(firstName, NAME_KEY_BYTES)}#${patientId}`;

export const keys = {
  // identity (global, across centres)
  credential: (email: string): TableKey => ({ pk: `EMAIL#${email}`, sk: 'CREDENTIAL' }),
  user: (userId: string): TableKey => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  signIn: (userId: string, eventId: string): TableKey => ({ pk: `USER#${userId}`, sk: `SIGNIN#${eventId}` }),
  signInPrefix: (userId: string) => ({ pk: `USER#${userId}`, skPrefix: 'SIGNIN#' }),
  device: (userId: string, deviceHash: string): TableKey => ({
    pk: `USER#${userId}`,
    sk: `DEVICE#${deviceHash}`,
  }),
  devicePrefix: (userId: string) => ({ pk: `USER#${userId}`, skPrefix: 'DEVICE#' }),
  refreshToken: (tokenHash: string): TableKey => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  session: (sessionId: string): TableKey => ({ pk: `SESSION#${sessionId}`, sk: 'SESSION' }),
  throttleAccount: (emailHash: string): TableKey => ({ pk: `THROTTLE#ACCOUNT#${emailHash}`, sk: 'THROTTLE' }),
  throttleClient: (clientHash: string, windowStart: string): TableKey => ({
    pk: `THROTTLE#CLIENT#${clientHash}`,
    sk: `WINDOW#${windowStart}`,
  }),
  /** A request quota (sign-up): per scope, hashed subject (client address, e-mail) and fixed window. */
  throttleQuota: (scope: string, subjectHash: string, windowStart: string): TableKey => ({
    pk: `THROTTLE#${scope.toUpperCase()}#${subjectHash}`,
    sk: `WINDOW#${windowStart}`,
  }),
  invitationToken: (tokenHash: string): TableKey => ({ pk: `INVITATION#${tokenHash}`, sk: 'INVITATION' }),
  /**
   * Revocations of access tokens (a session signed out, a member's rights changed), by time: every
   * function instance reads those newer than its last read (functions/identity/revocations.ts).
   */
  revocation: (at: string, revocationId: string): TableKey => ({ pk: 'REVOCATIONS', sk: `${at}#${revocationId}` }),
  revocationPartition: 'REVOCATIONS',
  /** A sign-up waiting for its e-mail address to be confirmed, by the SHA-256 of its link's token. */
  pendingSignUp: (tokenHash: string): TableKey => ({ pk: `SIGNUP#${tokenHash}`, sk: 'SIGNUP' }),

  // centres
  centre: (centreId: string): TableKey => ({ pk: C(centreId), sk: 'PROFILE' }),
  /** gsi1: all active centres (platform billing run). */
  activeCentresIndex: (centreId: string) => ({ gsi1pk: 'CENTRES#ACTIVE', gsi1sk: C(centreId) }),
  membership: (centreId: string, userId: string): TableKey => ({ pk: C(centreId), sk: `MEMBER#${userId}` }),
  membershipPrefix: (centreId: string) => ({ pk: C(centreId), skPrefix: 'MEMBER#' }),
  /** gsi1: centres of a user. */
  membershipsOfUserIndex: (userId: string, centreId?: string) => ({
    gsi1pk: `USER#${userId}#MEMBERSHIPS`,
    gsi1sk: centreId ? C(centreId) : '',
  }),
  licence: (centreId: string, licenceId: string): TableKey => ({
    pk: C(centreId),
    sk: `LICENCE#${licenceId}`,
  }),
  licencePrefix: (centreId: string) => ({ pk: C(centreId), skPrefix: 'LICENCE#' }),
  /** gsi2: licences held by a practitioner. */
  licencesOfPractitionerIndex: (centreId: string, practitionerId: string, licenceId = '') => ({
    gsi2pk: `${C(centreId)}#PRACTITIONER#${practitionerId}#LICENCES`,
    gsi2sk: licenceId ? `LICENCE#${licenceId}` : 'LICENCE#',
  }),
  invitation: (centreId: string, invitationId: string): TableKey => ({
    pk: C(centreId),
    sk: `INVITATION#${invitationId}`,
  }),
  invitationPrefix: (centreId: string) => ({ pk: C(centreId), skPrefix: 'INVITATION#' }),
  /**
   * gsi1 (sparse, across centres): pending invitations by the UTC day they expire, until they are
   * accepted, revoked or their expiry is notified (the daily invitation-expiry job reads it).
   */
  invitationsExpiringIndex: (expiresAt: string, centreId = '', invitationId = '') => ({
    gsi1pk: `INVITATIONS#EXPIRING#${expiresAt.slice(0, 10)}`,
    gsi1sk: centreId ? `${expiresAt}#${centreId}#${invitationId}` : expiresAt,
  }),

  // patients
  patient: (centreId: string, patientId: string): TableKey => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    sk: 'PATIENT',
  }),
  /**
   * The sort key of the name-ordered indexes below, from the normalised names (at most
   * NAME_KEY_BYTES each), and the key prefix a normalised last-name prefix is searched with.
   */
  patientNameKey,
  patientNamePrefix: (lastNamePrefix: string) => boundedKeyText(lastNamePrefix, NAME_KEY_BYTES),
  /** gsi1: patients of a centre ordered by normalised name (list and last-name prefix search). */
  patientsOfCentreIndex: (centreId: string, nameKey = '') => ({
    gsi1pk: `${C(centreId)}#PATIENTS`,
    gsi1sk: nameKey,
  }),
  /** gsi2: patients of a practitioner ordered by normalised name. */
  patientsOfPractitionerIndex: (centreId: string, practitionerId: string, nameKey = '') => ({
    gsi2pk: `${C(centreId)}#PRACTITIONER#${practitionerId}#PATIENTS`,
    gsi2sk: nameKey,
  }),
  /** gsi3: patients by birth date, sorted by practitioner so one practitioner's can be selected. */
  patientsByBirthDateIndex: (centreId: string, birthDate: string, practitionerId = '', patientId = '') => ({
    gsi3pk: `${C(centreId)}#BIRTHDATE#${birthDate}`,
    gsi3sk: practitionerId ? `${practitionerId}#${patientId}` : '',
  }),
  /** Look-up item: a phone number (patient's or a related person's) → patient. */
  patientPhone: (centreId: string, phone: string, patientId: string, relation: string): TableKey => ({
    pk: `${C(centreId)}#PHONE#${phone}`,
    sk: `PATIENT#${patientId}#${relation}`,
  }),
  patientPhonePrefix: (centreId: string, phone: string) => ({
    pk: `${C(centreId)}#PHONE#${phone}`,
    skPrefix: 'PATIENT#',
  }),
  patientTransfer: (centreId: string, patientId: string, transferId: string): TableKey => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    sk: `TRANSFER#${transferId}`,
  }),
  patientTransferPrefix: (centreId: string, patientId: string) => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    skPrefix: 'TRANSFER#',
  }),

  // agenda (functions/agenda; docs/DATA_MODEL.md)
  /** The centre's online-booking exposure (which practitioners, types and horizon patients may book). */
  onlineBooking: (centreId: string): TableKey => ({ pk: C(centreId), sk: 'AGENDA#ONLINE' }),
  /** A practitioner's weekly opening hours per location. */
  practitionerHours: (centreId: string, practitionerId: string): TableKey => ({
    pk: C(centreId),
    sk: `AGENDA#HOURS#${practitionerId}`,
  }),
  appointmentType: (centreId: string, typeId: string): TableKey => ({ pk: C(centreId), sk: `APPTTYPE#${typeId}` }),
  appointmentTypePrefix: (centreId: string) => ({ pk: C(centreId), skPrefix: 'APPTTYPE#' }),
  appointment: (centreId: string, appointmentId: string): TableKey => ({
    pk: `${C(centreId)}#APPT#${appointmentId}`,
    sk: 'APPOINTMENT',
  }),
  /** gsi1: the centre's appointments of one local day, across practitioners, by start. */
  centreDayIndex: (centreId: string, localDate: string, start = '', practitionerId = '', appointmentId = '') => ({
    gsi1pk: `${C(centreId)}#DAY#${localDate}`,
    gsi1sk: start ? `${start}#${practitionerId}#${appointmentId}` : '',
  }),
  /** gsi2: a practitioner's appointments by start instant (day, week, free slots, calendar feed). */
  practitionerAgendaIndex: (centreId: string, practitionerId: string, start = '', appointmentId = '') => ({
    gsi2pk: `${C(centreId)}#PRACTITIONER#${practitionerId}#AGENDA`,
    gsi2sk: start ? `${start}#${appointmentId}` : '',
  }),
  /** gsi3: a patient's appointments by start instant (upcoming, history, planning link). */
  patientAppointmentsIndex: (centreId: string, patientId: string, start = '', appointmentId = '') => ({
    gsi3pk: `${C(centreId)}#PATIENT#${patientId}#APPTS`,
    gsi3sk: start ? `${start}#${appointmentId}` : '',
  }),
  /** gsi4 (sparse): a practitioner's booked or confirmed sessions, until closed (done, no-show) or cancelled. */
  openSessionsIndex: (centreId: string, practitionerId: string, start = '', appointmentId = '') => ({
    gsi4pk: `${C(centreId)}#OPEN#${practitionerId}`,
    gsi4sk: start ? `${start}#${appointmentId}` : '',
  }),
  /**
   * Occupied time: one item per 5-minute cell of a practitioner's booked time (UTC start of the
   * cell), written with `attribute_not_exists` in the booking transaction — two bookings touching
   * one cell can never both commit.
   */
  occupiedCell: (centreId: string, practitionerId: string, cellStart: string): TableKey => ({
    pk: `${C(centreId)}#OCCUPIED#${practitionerId}`,
    sk: cellStart,
  }),
  centreEvent: (centreId: string, eventId: string): TableKey => ({ pk: C(centreId), sk: `EVENT#${eventId}` }),
  /** gsi1: the centre's events (meetings, leave, news…) by end instant: those still running after an instant. */
  centreEventsIndex: (centreId: string, end = '', eventId = '') => ({
    gsi1pk: `${C(centreId)}#EVENTS`,
    gsi1sk: end ? `${end}#${eventId}` : '',
  }),
  /** gsi2 (leave and sick leave only): a practitioner's absences by end instant. */
  absencesIndex: (centreId: string, practitionerId: string, end = '', eventId = '') => ({
    gsi2pk: `${C(centreId)}#PRACTITIONER#${practitionerId}#ABSENCES`,
    gsi2sk: end ? `${end}#${eventId}` : '',
  }),
  /** A care episode (prescription, insurer agreement, quotas): in the patient's item collection. */
  careEpisode: (centreId: string, patientId: string, episodeId: string): TableKey => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    sk: `EPISODE#${episodeId}`,
  }),
  careEpisodePrefix: (centreId: string, patientId: string) => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    skPrefix: 'EPISODE#',
  }),
  /** A calendar link (practitioner feed or patient planning) by the SHA-256 of its secret token. */
  calendarLink: (tokenHash: string): TableKey => ({ pk: `FEED#${tokenHash}`, sk: 'FEED' }),
  /** The same link in its owner's list (revocation): owner = practitioner or patient id. */
  calendarLinkOfOwner: (centreId: string, ownerId: string, linkId: string): TableKey => ({
    pk: C(centreId),
    sk: `FEED#${ownerId}#${linkId}`,
  }),
  calendarLinksOfOwnerPrefix: (centreId: string, ownerId: string) => ({
    pk: C(centreId),
    skPrefix: `FEED#${ownerId}#`,
  }),

  // reminders (functions/reminders; docs/DATA_MODEL.md, decision 0021)
  /** A centre's reminder rules, practitioners' rules, patient-preference mode, templates and SMS limits: one item. */
  reminderRules: (centreId: string): TableKey => ({ pk: C(centreId), sk: 'REMINDERS#RULES' }),
  /** A patient's own reminder preference and opt-outs per channel (M9, R5): in the patient's item collection. */
  reminderPreferences: (centreId: string, patientId: string): TableKey => ({
    pk: `${C(centreId)}#PATIENT#${patientId}`,
    sk: 'REMINDERS#PREFS',
  }),
  /**
   * A planned reminder of an appointment, and once claimed the message it became: in the
   * appointment's item collection. The sort key carries the appointment's sequence when it was
   * planned, so a re-planned reminder (move) is a new item and a message sent stays on record.
   */
  reminder: (centreId: string, appointmentId: string, sequence: number, ruleKey: string): TableKey => ({
    pk: `${C(centreId)}#APPT#${appointmentId}`,
    sk: `REMINDER#${String(sequence).padStart(6, '0')}#${ruleKey}`,
  }),
  remindersOfAppointmentPrefix: (centreId: string, appointmentId: string) => ({
    pk: `${C(centreId)}#APPT#${appointmentId}`,
    skPrefix: 'REMINDER#',
  }),
  /**
   * gsi1 (sparse, across centres): pending reminders by the UTC hour they are due in (`bucket`,
   * `2026-12-02T11`), spread over shards (a popular time such as 12:00 would otherwise be one hot
   * partition), by due instant; the dispatcher reads the hours since its last run, every shard.
   * Removed when claimed, skipped or withdrawn.
   */
  remindersDueIndex: (bucket: string, shard: number, dueAt = '', reminderKey?: TableKey) => ({
    gsi1pk: `REMINDERS#${bucket}#${shard}`,
    gsi1sk: reminderKey ? `${dueAt}#${reminderKey.pk}#${reminderKey.sk}` : dueAt,
  }),
  /** gsi2: a message by our message id (confirm / cancel links, SES events carrying it as a tag). */
  messageIndex: (messageId: string) => ({ gsi2pk: `MESSAGE#${messageId}`, gsi2sk: 'MESSAGE' }),
  /** gsi3: the messages sent to a patient, newest last. */
  patientMessagesIndex: (centreId: string, patientId: string, claimedAt = '', messageId = '') => ({
    gsi3pk: `${C(centreId)}#PATIENT#${patientId}#MESSAGES`,
    gsi3sk: claimedAt ? `${claimedAt}#${messageId}` : '',
  }),
  /** gsi4: a message by the provider's id (SMS delivery logs name the SNS message id only). */
  providerMessageIndex: (provider: string, providerMessageId: string) => ({
    gsi4pk: `PROVIDER#${provider}#${providerMessageId}`,
    gsi4sk: 'MESSAGE',
  }),
  /** Where the dispatcher's last run got to (catching up after an outage starts there). */
  reminderDispatchCursor: (): TableKey => ({ pk: 'REMINDERS#DISPATCH', sk: 'CURSOR' }),
  /** SMS sent by a centre in a calendar month (UTC), against its monthly cap. */
  smsMonthCounter: (centreId: string, month: string): TableKey => ({ pk: C(centreId), sk: `SMSCOUNT#${month}` }),
  /** SMS sent to one phone (SHA-256) in a UTC day, against the per-phone limit. */
  smsPhoneCounter: (phoneHash: string, day: string): TableKey => ({
    pk: `THROTTLE#SMSPHONE#${phoneHash}`,
    sk: `DAY#${day}`,
  }),
  /** Something the centre must know about its messages (SMS cap reached, an SMS failed twice), by time. */
  messageNotice: (centreId: string, noticeId: string): TableKey => ({ pk: C(centreId), sk: `NOTICE#${noticeId}` }),
  messageNoticePrefix: (centreId: string) => ({ pk: C(centreId), skPrefix: 'NOTICE#' }),

  // audit
  patientAudit: (centreId: string, patientId: string, eventId: string): TableKey => ({
    pk: `${C(centreId)}#AUDIT#PATIENT#${patientId}`,
    sk: eventId,
  }),
  patientAuditPartition: (centreId: string, patientId: string) => `${C(centreId)}#AUDIT#PATIENT#${patientId}`,
  /** Audit of a list or search read (no single patient): the patient ids it returned are on the item. */
  listAudit: (centreId: string, eventId: string): TableKey => ({ pk: `${C(centreId)}#AUDIT#LISTS`, sk: eventId }),
  /** gsi1: audit trail of a user (time-ordered). */
  userAuditIndex: (centreId: string, userId: string, eventId: string) => ({
    gsi1pk: `${C(centreId)}#AUDIT#USER#${userId}`,
    gsi1sk: eventId,
  }),
  userAuditPartition: (centreId: string, userId: string) => `${C(centreId)}#AUDIT#USER#${userId}`,
};
