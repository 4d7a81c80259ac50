import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseName } from '#functions/patients/names';
import { patientItem } from '#functions/patients/repository';
import type { Patient } from '#functions/patients/schemas';
import { boundedKeyText, keys, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, NAME_KEY_BYTES } from '#shared/db/keys';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Characters whose normalised form is longest in UTF-8 (U+FDFA becomes 30 bytes of Arabic letters,
 * the squared Katakana words 15–18 bytes), Hangul syllables (decomposed into three jamo), combining
 * marks, an astral letter, and plain letters.
 */
const expanding = ['\uFDFA', '\u3316', '\u321D', '\u327C', '\uD55C', '\uAC01', 'a\u0301\u0302', '\u{1D518}', 'é', 'x'];
const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...expanding), maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom(...expanding.map((c) => c.repeat(maxLength))),
  );

describe('user text in keys', () => {
  it('is cut to at most the bytes asked, between code points, keeping the longest such prefix', () => {
    fc.assert(
      fc.property(hostileText(400), fc.integer({ min: 1, max: 1200 }), (text, max) => {
        const cut = boundedKeyText(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        expect(LONE_SURROGATE.test(cut)).toBe(LONE_SURROGATE.test(text.slice(0, cut.length)));
        if (cut.length < text.length) {
          const next = String.fromCodePoint(text.codePointAt(cut.length)!);
          expect(bytes(cut) + bytes(next)).toBeGreaterThan(max);
        } else {
          expect(bytes(text)).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps names whose normalised form fits whole, so short names sort and search as before', () => {
    expect(keys.patientNameKey('dubois', 'marie', 'P1')).toBe('dubois#marie#P1');
    expect(keys.patientNamePrefix('dub')).toBe('dub');
    const long = normaliseName('\uFDFA'.repeat(100));
    expect(bytes(long)).toBe(3000);
    expect(bytes(keys.patientNamePrefix(long))).toBeLessThanOrEqual(NAME_KEY_BYTES);
    expect(keys.patientNameKey(long, long, 'P1').startsWith(keys.patientNamePrefix(long))).toBe(true);
  });

  it('a patient item has every key within DynamoDB limits, whatever the names (any script, 100 characters)', () => {
    const base: Patient = {
      centreId: '01J00000000000000000000000',
      patientId: '01J00000000000000000000001',
      practitionerId: '01J00000000000000000000002',
      firstName: 'x',
      lastName: 'x',
      birthDate: '2001-02-03',
      relatedPersons: [],
      correspondents: [],
      portalOptOut: false,
      status: 'active',
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      createdBy: '01J00000000000000000000002',
    };
    fc.assert(
      fc.property(hostileText(100), hostileText(100), (lastName, firstName) => {
        const item = patientItem({ ...base, lastName, firstName });
        for (const name of ['pk', 'gsi1pk', 'gsi2pk', 'gsi3pk'])
          expect(bytes(String(item[name]))).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
        for (const name of ['sk', 'gsi1sk', 'gsi2sk', 'gsi3sk'])
          expect(bytes(String(item[name]))).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
        // The stored key starts with what a search for the whole last name queries.
        expect(String(item.gsi1sk).startsWith(keys.patientNamePrefix(normaliseName(lastName)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the key layout', () => {
  /**
   * Keys are a stored format: items written under one layout are not found under another, so a
   * changed builder silently orphans data. Every builder, with fixed arguments, and exactly what it
   * builds (docs/DATA_MODEL.md); a new builder must be added here.
   */
  const layout: Record<keyof typeof keys, [unknown, unknown]> = {
    credential: [keys.credential('a@b.be'), { pk: 'EMAIL#a@b.be', sk: 'CREDENTIAL' }],
    user: [keys.user('U'), { pk: 'USER#U', sk: 'PROFILE' }],
    signIn: [keys.signIn('U', 'E'), { pk: 'USER#U', sk: 'SIGNIN#E' }],
    signInPrefix: [keys.signInPrefix('U'), { pk: 'USER#U', skPrefix: 'SIGNIN#' }],
    device: [keys.device('U', 'H'), { pk: 'USER#U', sk: 'DEVICE#H' }],
    devicePrefix: [keys.devicePrefix('U'), { pk: 'USER#U', skPrefix: 'DEVICE#' }],
    refreshToken: [keys.refreshToken('H'), { pk: 'REFRESH#H', sk: 'REFRESH' }],
    session: [keys.session('S'), { pk: 'SESSION#S', sk: 'SESSION' }],
    throttleAccount: [keys.throttleAccount('H'), { pk: 'THROTTLE#ACCOUNT#H', sk: 'THROTTLE' }],
    throttleClient: [keys.throttleClient('H', 'W'), { pk: 'THROTTLE#CLIENT#H', sk: 'WINDOW#W' }],
    throttleQuota: [
      keys.throttleQuota('sign-up-client', 'H', 'W'),
      { pk: 'THROTTLE#SIGN-UP-CLIENT#H', sk: 'WINDOW#W' },
    ],
    invitationToken: [keys.invitationToken('H'), { pk: 'INVITATION#H', sk: 'INVITATION' }],
    revocation: [keys.revocation('T', 'R'), { pk: 'REVOCATIONS', sk: 'T#R' }],
    revocationPartition: [keys.revocationPartition, 'REVOCATIONS'],
    pendingSignUp: [keys.pendingSignUp('H'), { pk: 'SIGNUP#H', sk: 'SIGNUP' }],
    centre: [keys.centre('C'), { pk: 'CENTRE#C', sk: 'PROFILE' }],
    activeCentresIndex: [keys.activeCentresIndex('C'), { gsi1pk: 'CENTRES#ACTIVE', gsi1sk: 'CENTRE#C' }],
    membership: [keys.membership('C', 'U'), { pk: 'CENTRE#C', sk: 'MEMBER#U' }],
    membershipPrefix: [keys.membershipPrefix('C'), { pk: 'CENTRE#C', skPrefix: 'MEMBER#' }],
    membershipsOfUserIndex: [
      [keys.membershipsOfUserIndex('U', 'C'), keys.membershipsOfUserIndex('U')],
      [
        { gsi1pk: 'USER#U#MEMBERSHIPS', gsi1sk: 'CENTRE#C' },
        { gsi1pk: 'USER#U#MEMBERSHIPS', gsi1sk: '' },
      ],
    ],
    licence: [keys.licence('C', 'L'), { pk: 'CENTRE#C', sk: 'LICENCE#L' }],
    licencePrefix: [keys.licencePrefix('C'), { pk: 'CENTRE#C', skPrefix: 'LICENCE#' }],
    licencesOfPractitionerIndex: [
      [keys.licencesOfPractitionerIndex('C', 'P', 'L'), keys.licencesOfPractitionerIndex('C', 'P')],
      [
        { gsi2pk: 'CENTRE#C#PRACTITIONER#P#LICENCES', gsi2sk: 'LICENCE#L' },
        { gsi2pk: 'CENTRE#C#PRACTITIONER#P#LICENCES', gsi2sk: 'LICENCE#' },
      ],
    ],
    invitation: [keys.invitation('C', 'I'), { pk: 'CENTRE#C', sk: 'INVITATION#I' }],
    invitationPrefix: [keys.invitationPrefix('C'), { pk: 'CENTRE#C', skPrefix: 'INVITATION#' }],
    invitationsExpiringIndex: [
      [
        keys.invitationsExpiringIndex('2026-12-09T08:00:00.000Z', 'C', 'I'),
        keys.invitationsExpiringIndex('2026-12-09T08:00:00.000Z'),
      ],
      [
        { gsi1pk: 'INVITATIONS#EXPIRING#2026-12-09', gsi1sk: '2026-12-09T08:00:00.000Z#C#I' },
        { gsi1pk: 'INVITATIONS#EXPIRING#2026-12-09', gsi1sk: '2026-12-09T08:00:00.000Z' },
      ],
    ],
    patient: [keys.patient('C', 'P'), { pk: 'CENTRE#C#PATIENT#P', sk: 'PATIENT' }],
    patientNameKey: [keys.patientNameKey('dubois', 'marie', 'P'), 'dubois#marie#P'],
    patientNamePrefix: [keys.patientNamePrefix('dub'), 'dub'],
    patientsOfCentreIndex: [
      [keys.patientsOfCentreIndex('C', 'n#f#P'), keys.patientsOfCentreIndex('C')],
      [
        { gsi1pk: 'CENTRE#C#PATIENTS', gsi1sk: 'n#f#P' },
        { gsi1pk: 'CENTRE#C#PATIENTS', gsi1sk: '' },
      ],
    ],
    patientsOfPractitionerIndex: [
      [keys.patientsOfPractitionerIndex('C', 'U', 'n#f#P'), keys.patientsOfPractitionerIndex('C', 'U')],
      [
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#PATIENTS', gsi2sk: 'n#f#P' },
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#PATIENTS', gsi2sk: '' },
      ],
    ],
    patientsByBirthDateIndex: [
      [keys.patientsByBirthDateIndex('C', '2001-02-03', 'U', 'P'), keys.patientsByBirthDateIndex('C', '2001-02-03')],
      [
        { gsi3pk: 'CENTRE#C#BIRTHDATE#2001-02-03', gsi3sk: 'U#P' },
        { gsi3pk: 'CENTRE#C#BIRTHDATE#2001-02-03', gsi3sk: '' },
      ],
    ],
    patientPhone: [keys.patientPhone('C', '+32470', 'P', 'R'), { pk: 'CENTRE#C#PHONE#+32470', sk: 'PATIENT#P#R' }],
    patientPhonePrefix: [keys.patientPhonePrefix('C', '+32470'), { pk: 'CENTRE#C#PHONE#+32470', skPrefix: 'PATIENT#' }],
    patientTransfer: [keys.patientTransfer('C', 'P', 'T'), { pk: 'CENTRE#C#PATIENT#P', sk: 'TRANSFER#T' }],
    patientTransferPrefix: [keys.patientTransferPrefix('C', 'P'), { pk: 'CENTRE#C#PATIENT#P', skPrefix: 'TRANSFER#' }],
    onlineBooking: [keys.onlineBooking('C'), { pk: 'CENTRE#C', sk: 'AGENDA#ONLINE' }],
    practitionerHours: [keys.practitionerHours('C', 'U'), { pk: 'CENTRE#C', sk: 'AGENDA#HOURS#U' }],
    appointmentType: [keys.appointmentType('C', 'T'), { pk: 'CENTRE#C', sk: 'APPTTYPE#T' }],
    appointmentTypePrefix: [keys.appointmentTypePrefix('C'), { pk: 'CENTRE#C', skPrefix: 'APPTTYPE#' }],
    appointment: [keys.appointment('C', 'A'), { pk: 'CENTRE#C#APPT#A', sk: 'APPOINTMENT' }],
    centreDayIndex: [
      [keys.centreDayIndex('C', '2026-03-30', 'S', 'U', 'A'), keys.centreDayIndex('C', '2026-03-30')],
      [
        { gsi1pk: 'CENTRE#C#DAY#2026-03-30', gsi1sk: 'S#U#A' },
        { gsi1pk: 'CENTRE#C#DAY#2026-03-30', gsi1sk: '' },
      ],
    ],
    practitionerAgendaIndex: [
      [keys.practitionerAgendaIndex('C', 'U', 'S', 'A'), keys.practitionerAgendaIndex('C', 'U')],
      [
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#AGENDA', gsi2sk: 'S#A' },
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#AGENDA', gsi2sk: '' },
      ],
    ],
    patientAppointmentsIndex: [
      [keys.patientAppointmentsIndex('C', 'P', 'S', 'A'), keys.patientAppointmentsIndex('C', 'P')],
      [
        { gsi3pk: 'CENTRE#C#PATIENT#P#APPTS', gsi3sk: 'S#A' },
        { gsi3pk: 'CENTRE#C#PATIENT#P#APPTS', gsi3sk: '' },
      ],
    ],
    openSessionsIndex: [
      [keys.openSessionsIndex('C', 'U', 'S', 'A'), keys.openSessionsIndex('C', 'U')],
      [
        { gsi4pk: 'CENTRE#C#OPEN#U', gsi4sk: 'S#A' },
        { gsi4pk: 'CENTRE#C#OPEN#U', gsi4sk: '' },
      ],
    ],
    occupiedCell: [
      keys.occupiedCell('C', 'U', '2026-03-30T07:05:00.000Z'),
      { pk: 'CENTRE#C#OCCUPIED#U', sk: '2026-03-30T07:05:00.000Z' },
    ],
    centreEvent: [keys.centreEvent('C', 'E'), { pk: 'CENTRE#C', sk: 'EVENT#E' }],
    centreEventsIndex: [
      [keys.centreEventsIndex('C', 'T', 'E'), keys.centreEventsIndex('C')],
      [
        { gsi1pk: 'CENTRE#C#EVENTS', gsi1sk: 'T#E' },
        { gsi1pk: 'CENTRE#C#EVENTS', gsi1sk: '' },
      ],
    ],
    absencesIndex: [
      [keys.absencesIndex('C', 'U', 'T', 'E'), keys.absencesIndex('C', 'U')],
      [
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#ABSENCES', gsi2sk: 'T#E' },
        { gsi2pk: 'CENTRE#C#PRACTITIONER#U#ABSENCES', gsi2sk: '' },
      ],
    ],
    careEpisode: [keys.careEpisode('C', 'P', 'E'), { pk: 'CENTRE#C#PATIENT#P', sk: 'EPISODE#E' }],
    careEpisodePrefix: [keys.careEpisodePrefix('C', 'P'), { pk: 'CENTRE#C#PATIENT#P', skPrefix: 'EPISODE#' }],
    calendarLink: [keys.calendarLink('H'), { pk: 'FEED#H', sk: 'FEED' }],
    calendarLinkOfOwner: [keys.calendarLinkOfOwner('C', 'O', 'L'), { pk: 'CENTRE#C', sk: 'FEED#O#L' }],
    calendarLinksOfOwnerPrefix: [keys.calendarLinksOfOwnerPrefix('C', 'O'), { pk: 'CENTRE#C', skPrefix: 'FEED#O#' }],
    patientAudit: [keys.patientAudit('C', 'P', 'E'), { pk: 'CENTRE#C#AUDIT#PATIENT#P', sk: 'E' }],
    patientAuditPartition: [keys.patientAuditPartition('C', 'P'), 'CENTRE#C#AUDIT#PATIENT#P'],
    listAudit: [keys.listAudit('C', 'E'), { pk: 'CENTRE#C#AUDIT#LISTS', sk: 'E' }],
    userAuditIndex: [keys.userAuditIndex('C', 'U', 'E'), { gsi1pk: 'CENTRE#C#AUDIT#USER#U', gsi1sk: 'E' }],
    userAuditPartition: [keys.userAuditPartition('C', 'U'), 'CENTRE#C#AUDIT#USER#U'],
    reminderRules: [keys.reminderRules('C'), { pk: 'CENTRE#C', sk: 'REMINDERS#RULES' }],
    reminderPreferences: [keys.reminderPreferences('C', 'P'), { pk: 'CENTRE#C#PATIENT#P', sk: 'REMINDERS#PREFS' }],
    reminder: [keys.reminder('C', 'A', 3, 'patient'), { pk: 'CENTRE#C#APPT#A', sk: 'REMINDER#000003#patient' }],
    remindersOfAppointmentPrefix: [
      keys.remindersOfAppointmentPrefix('C', 'A'),
      { pk: 'CENTRE#C#APPT#A', skPrefix: 'REMINDER#' },
    ],
    remindersDueIndex: [
      [
        keys.remindersDueIndex('2026-12-02T11', 5, '2026-12-02T11:00:00.000Z', { pk: 'P', sk: 'S' }),
        keys.remindersDueIndex('2026-12-02T11', 0),
      ],
      [
        { gsi1pk: 'REMINDERS#2026-12-02T11#5', gsi1sk: '2026-12-02T11:00:00.000Z#P#S' },
        { gsi1pk: 'REMINDERS#2026-12-02T11#0', gsi1sk: '' },
      ],
    ],
    messageIndex: [keys.messageIndex('M'), { gsi2pk: 'MESSAGE#M', gsi2sk: 'MESSAGE' }],
    patientMessagesIndex: [
      keys.patientMessagesIndex('C', 'P', 'T', 'M'),
      { gsi3pk: 'CENTRE#C#PATIENT#P#MESSAGES', gsi3sk: 'T#M' },
    ],
    providerMessageIndex: [keys.providerMessageIndex('sns', 'X'), { gsi4pk: 'PROVIDER#sns#X', gsi4sk: 'MESSAGE' }],
    reminderDispatchCursor: [keys.reminderDispatchCursor(), { pk: 'REMINDERS#DISPATCH', sk: 'CURSOR' }],
    smsMonthCounter: [keys.smsMonthCounter('C', '2026-12'), { pk: 'CENTRE#C', sk: 'SMSCOUNT#2026-12' }],
    smsPhoneCounter: [keys.smsPhoneCounter('H', '2026-12-02'), { pk: 'THROTTLE#SMSPHONE#H', sk: 'DAY#2026-12-02' }],
    messageNotice: [keys.messageNotice('C', 'N'), { pk: 'CENTRE#C', sk: 'NOTICE#N' }],
    messageNoticePrefix: [keys.messageNoticePrefix('C'), { pk: 'CENTRE#C', skPrefix: 'NOTICE#' }],
  };

  it.each(Object.entries(layout))('%s builds exactly the documented key', (_name, [built, expected]) => {
    expect(built).toEqual(expected);
  });

  it('covers every builder', () => {
    expect(Object.keys(layout).sort()).toEqual(Object.keys(keys).sort());
  });
});
