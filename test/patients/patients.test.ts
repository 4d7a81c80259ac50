import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '#shared/ids';
import { normaliseName } from '#functions/patients/names';
import { call } from '../support/api';
import { allItems, itemCount } from '../support/table';
import { createPatient, updatePatient } from '#functions/patients/service';
import { withInterleaved } from '../support/interleave';
import { requestCounts, resetRequestCounts } from '#shared/db/request-counter';
import { buildCentre, type CentreWorld, invite, newPatient, origin, type Staff } from '../support/world';

let w: CentreWorld;
let other: CentreWorld;

beforeAll(async () => {
  [w, other] = await Promise.all([buildCentre('Centre A'), buildCentre('Centre B')]);
});

const create = (token: string, body: Record<string, unknown>) => call('POST', '/patients', { token, body });
type Found = { patientId: string; lastName: string; phone?: string; birthDate: string };

describe('patient files (R1)', () => {
  it('creates a file with guardians, insurer and correspondents, normalising phones to E.164', async () => {
    const res = await create(w.practitioner.token, {
      ...newPatient({
        firstName: 'Noé',
        lastName: 'Van der Berghe',
        birthDate: '2015-02-01',
        phone: '0470 99 88 77',
      }),
      relatedPersons: [
        {
          relation: 'parent1',
          firstName: 'Anne',
          lastName: 'Van der Berghe',
          phone: '+32 478 12 34 56',
          isFinancialResponsible: true,
        },
      ],
      correspondents: [{ name: 'Dr Martin', profession: 'ORL', email: 'martin@example.test' }],
      portalOptOut: true,
    });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      practitionerId: w.practitioner.userId,
      phone: '+32470998877',
      version: 1,
      portalOptOut: true,
      insurer: { organisationCode: '100' },
    });
    expect(res.body.relatedPersons[0]).toMatchObject({
      phone: '+32478123456',
      relatedPersonId: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    const read = await call('GET', `/patients/${res.body.patientId}`, { token: w.practitioner.token });
    expect(read.body).toEqual(res.body);
  });

  it('rejects bad input with the failing fields and writes nothing', async () => {
    const before = await itemCount();

    const res = await create(w.practitioner.token, {
      ...newPatient({ phone: '12', birthDate: '2999-01-01', insurer: { organisationCode: '999' } }),
      unknownField: true,
    });

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(
      ['body.birthDate', 'body.insurer.organisationCode', 'body.phone', 'body.unknownField'].sort(),
    );
    expect(await itemCount()).toBe(before);
  });

  it("answers 404 for a file of another centre and for another practitioner's patient", async () => {
    const foreign = await call('GET', `/patients/${other.patientId}`, { token: w.manager.token });
    const colleague = await call('GET', `/patients/${w.otherPatientId}`, { token: w.practitioner.token });

    expect(foreign.status).toBe(404);
    expect(colleague.status).toBe(404);
  });

  it('lets the manager read every file of the centre', async () => {
    const res = await call('GET', `/patients/${w.otherPatientId}`, { token: w.manager.token });

    expect(res.status).toBe(200);
    expect(res.body.notes).toBeDefined();
  });
});

describe('secretaries (P3)', () => {
  it('see contact data of the practitioners they serve, never clinical notes', async () => {
    const res = await call('GET', `/patients/${w.patientId}`, { token: w.secretary.token });
    const notServed = await call('GET', `/patients/${w.otherPatientId}`, { token: w.secretary.token });

    expect(res.status).toBe(200);
    expect(res.body.phone).toBeDefined();
    expect(res.body).not.toHaveProperty('notes');
    expect(res.body).not.toHaveProperty('nationalRegisterNumber');
    expect(notServed.status).toBe(404);
  });

  it('may not write clinical notes', async () => {
    const res = await create(w.secretary.token, newPatient({ notes: 'x' }));

    expect(res.status).toBe(403);
    expect(res.body.code).toBe('clinical_data_forbidden');
  });

  it('create patients for a practitioner they serve', async () => {
    const { notes, ...contact } = newPatient({ lastName: 'Secretariat' });

    const res = await create(w.secretary.token, contact);

    expect(res.status).toBe(201);
    expect(res.body.practitionerId).toBe(w.practitioner.userId);
  });
});

describe('related persons and correspondents', () => {
  const parent = (overrides: Record<string, unknown> = {}) => ({
    relation: 'parent1',
    firstName: 'Anne',
    lastName: 'Lambert',
    phone: '+32478000001',
    ...overrides,
  });

  it('refuses a related person id given twice, naming the repeat, and writes nothing', async () => {
    const id = newId();
    const before = await itemCount();

    const res = await create(w.practitioner.token, {
      ...newPatient({ lastName: 'Twice' }),
      relatedPersons: [parent({ relatedPersonId: id }), parent({ relatedPersonId: id, relation: 'parent2' })],
    });

    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([
      { field: 'body.relatedPersons.1.relatedPersonId', message: expect.stringMatching(/repeats/) },
    ]);
    expect(await itemCount()).toBe(before);
  });

  it('refuses repeated ids on update too, for related persons and correspondents', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Repeat' }));
    const [personId, correspondentId] = [newId(), newId()];
    const correspondent = { correspondentId, name: 'Dr Martin', profession: 'ORL' };

    const res = await call('PATCH', `/patients/${created.body.patientId}`, {
      token: w.practitioner.token,
      body: {
        version: 1,
        relatedPersons: [parent({ relatedPersonId: personId }), parent({ relatedPersonId: personId })],
        correspondents: [correspondent, correspondent],
      },
    });

    expect(res.status).toBe(400);
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'body.correspondents.1.correspondentId',
      'body.relatedPersons.1.relatedPersonId',
    ]);
  });

  it('keeps one phone look-up per person when the patient and two relatives share a phone', async () => {
    const phone = '+32478555001';
    const res = await create(w.practitioner.token, {
      ...newPatient({ lastName: 'Samephone', phone }),
      relatedPersons: [parent({ phone }), parent({ relation: 'parent2', firstName: 'Bart', phone })],
    });
    const updated = await call('PATCH', `/patients/${res.body.patientId}`, {
      token: w.practitioner.token,
      body: { version: 1, relatedPersons: [...res.body.relatedPersons, parent({ relation: 'guardian', phone })] },
    });

    expect(res.status).toBe(201);
    expect(updated.status).toBe(200);
    const lookups = (await allItems()).filter((i) => (i.pk as { S: string }).S.endsWith(`#PHONE#${phone}`));
    expect(lookups).toHaveLength(4);
    const search = await call('GET', `/patients?phone=${encodeURIComponent(phone)}`, { token: w.practitioner.token });
    expect(search.body.items.map((p: { patientId: string }) => p.patientId)).toEqual([res.body.patientId]);
  });
});

describe('updates with optimistic locking', () => {
  it('applies an update with the current version and bumps it; a field can be cleared with null', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Update' }));

    const res = await call('PATCH', `/patients/${created.body.patientId}`, {
      token: w.practitioner.token,
      body: { version: 1, email: 'emma@example.test', phone: null },
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, email: 'emma@example.test' });
    expect(res.body).not.toHaveProperty('phone');
  });

  it('lets exactly one of two concurrent updates of the same version win; the other gets 409', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Race' }));
    const id = created.body.patientId;

    const results = await Promise.all(
      ['Alpha', 'Bravo', 'Charlie', 'Delta'].map((firstName) =>
        call('PATCH', `/patients/${id}`, { token: w.practitioner.token, body: { version: 1, firstName } }),
      ),
    );

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.body.firstName;
    const now = await call('GET', `/patients/${id}`, { token: w.practitioner.token });
    expect(now.body).toMatchObject({ version: 2, firstName: winner });
  });

  it('refuses a write when the file changed between its read and its write (the condition, not the check)', async () => {
    const created = await createPatient(w.practitioner.actor, newPatient({ lastName: 'Interleaved' }), origin);
    const id = created.patientId;
    const first = () => updatePatient(w.practitioner.actor, id, { version: 1, email: 'first@example.test' }, origin);

    // The second update reads version 1 and passes its own comparison; the first commits before
    // the second's write, whose condition must then refuse it.
    const second = withInterleaved(/^TransactWrite/, first, () =>
      updatePatient(w.practitioner.actor, id, { version: 1, email: 'second@example.test' }, origin),
    );

    await expect(second).rejects.toMatchObject({ code: 'version_conflict' });
    const now = await call('GET', `/patients/${id}`, { token: w.practitioner.token });
    expect(now.body).toMatchObject({ version: 2, email: 'first@example.test' });
  });

  it('answers a stale version with 409 and the current version', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Stale' }));
    await call('PATCH', `/patients/${created.body.patientId}`, {
      token: w.practitioner.token,
      body: { version: 1, sex: 'F' },
    });

    const res = await call('PATCH', `/patients/${created.body.patientId}`, {
      token: w.practitioner.token,
      body: { version: 1, sex: 'M' },
    });

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
  });
});

describe('search and pagination', () => {
  let centre: CentreWorld;

  beforeAll(async () => {
    centre = await buildCentre('Search centre');
    const names = ['Dupont', 'Dupond', 'Durand', 'Dümont', 'Martin', 'Du Pré'];
    for (const [i, lastName] of names.entries()) {
      await create(
        centre.practitioner.token,
        newPatient({ lastName, phone: `+3247000000${i}`, birthDate: `2010-01-0${i + 1}` }),
      );
    }
  });

  it('finds patients by last-name prefix, ignoring case and accents, in name order', async () => {
    const res = await call('GET', '/patients?lastName=DU', { token: centre.practitioner.token });

    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { lastName: string }) => p.lastName)).toEqual([
      'Dümont',
      'Dupond',
      'Dupont',
      'Du Pré',
      'Durand',
    ]);
  });

  it('finds a patient by phone, in any notation', async () => {
    const res = await call('GET', `/patients?phone=${encodeURIComponent('0470 00 00 04')}`, {
      token: centre.practitioner.token,
    });

    expect(res.body.items.map((p: { lastName: string }) => p.lastName)).toEqual(['Martin']);
  });

  it('finds patients by birth date', async () => {
    const res = await call('GET', '/patients?birthDate=2010-01-03', { token: centre.practitioner.token });

    expect(res.body.items.map((p: { lastName: string }) => p.lastName)).toEqual(['Durand']);
  });

  it('pages through results with a cursor, and refuses a forged cursor', async () => {
    const first = await call('GET', '/patients?lastName=du&limit=2', { token: centre.practitioner.token });
    const second = await call('GET', `/patients?lastName=du&limit=2&cursor=${first.body.nextCursor}`, {
      token: centre.practitioner.token,
    });
    const forged = await call('GET', `/patients?lastName=du&limit=2&cursor=${first.body.nextCursor}x`, {
      token: centre.practitioner.token,
    });
    const otherQuery = await call('GET', `/patients?lastName=ma&limit=2&cursor=${first.body.nextCursor}`, {
      token: centre.practitioner.token,
    });

    expect(first.body.items).toHaveLength(2);
    expect(second.body.items.map((p: { lastName: string }) => p.lastName)).toEqual(['Dupont', 'Du Pré']);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('invalid_cursor');
    expect(otherQuery.status).toBe(400);
  });

  it("shows a practitioner only their own patients, and the manager everyone's", async () => {
    const own = await call('GET', '/patients', { token: centre.otherPractitioner.token });
    const all = await call('GET', '/patients', { token: centre.manager.token });

    expect(own.body.items.map((p: { patientId: string }) => p.patientId)).toEqual([centre.otherPatientId]);
    expect(all.body.items).toHaveLength(8);
  });
});

describe('a value two centres share, in every search mode', () => {
  const shared = { lastName: 'Gemeenschap', phone: '+32470777001', birthDate: '1999-09-09' };
  const ids = { a: [] as string[], aOwn: '', b: [] as string[] };

  beforeAll(async () => {
    for (const [centre, list] of [
      [w, ids.a],
      [other, ids.b],
    ] as const) {
      const own = await create(centre.practitioner.token, newPatient(shared));
      const colleagues = await create(centre.otherPractitioner.token, newPatient(shared));
      list.push(own.body.patientId, colleagues.body.patientId);
      if (centre === w) ids.aOwn = own.body.patientId;
    }
  });

  it.each([
    ['name', `lastName=${shared.lastName.slice(0, 5)}`],
    ['phone', `phone=${encodeURIComponent(shared.phone)}`],
    ['birth date', `birthDate=${shared.birthDate}`],
  ])("finds by %s only the caller's centre's patients, and only their own for a practitioner", async (_mode, query) => {
    const found = async (token: string) =>
      ((await call('GET', `/patients?${query}`, { token })).body.items as { patientId: string }[])
        .map((p) => p.patientId)
        .sort();

    expect(await found(w.manager.token)).toEqual([...ids.a].sort());
    expect(await found(other.manager.token)).toEqual([...ids.b].sort());
    expect(await found(w.practitioner.token)).toEqual([ids.aOwn]);
  });
});

describe('search by phone', () => {
  let family: CentreWorld;
  const phone = '+32478777001';
  const ids = (res: { body: { items: { patientId: string }[] } }) => res.body.items.map((p) => p.patientId);
  const byPhone = (token: string, extra = '') =>
    call('GET', `/patients?phone=${encodeURIComponent(phone)}${extra}`, { token });
  let ofPractitioner: string[];
  let ofOther: string;

  beforeAll(async () => {
    family = await buildCentre('Family centre');
    const sibling = async (token: string, firstName: string) =>
      (
        await create(token, {
          ...newPatient({ firstName, lastName: 'Family', phone }),
          relatedPersons: [
            { relation: 'parent1', firstName: 'Anne', lastName: 'Family', phone },
            { relation: 'parent2', firstName: 'Bart', lastName: 'Family', phone },
          ],
        })
      ).body.patientId as string;
    // Three items per file in the phone partition, two practitioners interleaved.
    const first = await sibling(family.practitioner.token, 'Alice');
    ofOther = await sibling(family.otherPractitioner.token, 'Bruno');
    const third = await sibling(family.practitioner.token, 'Chloé');
    ofPractitioner = [first, third];
  });

  it('answers every visible patient once, in one answer without a cursor, whatever the limit', async () => {
    const practitioner = await byPhone(family.practitioner.token, '&limit=2');
    const secretary = await byPhone(family.secretary.token, '&limit=1');
    const manager = await byPhone(family.manager.token, '&limit=1');

    expect(practitioner.status).toBe(200);
    expect(ids(practitioner)).toEqual(ofPractitioner);
    expect(practitioner.body).not.toHaveProperty('nextCursor');
    expect(ids(secretary)).toEqual(ofPractitioner);
    expect(secretary.body).not.toHaveProperty('nextCursor');
    expect(ids(manager)).toEqual([ofPractitioner[0], ofOther, ofPractitioner[1]]);
    expect(manager.body).not.toHaveProperty('nextCursor');
  });

  it("shows a practitioner none of a colleague's patients, and no cursor to an empty page", async () => {
    const res = await byPhone(family.otherPractitioner.token, '&limit=1');

    expect(ids(res)).toEqual([ofOther]);
    expect(res.body).not.toHaveProperty('nextCursor');
  });

  it('refuses a cursor on a phone search', async () => {
    const res = await byPhone(family.manager.token, '&cursor=abc.def');

    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe('query.cursor');
  });
});

describe('a secretary serving several practitioners', () => {
  let centre: CentreWorld;
  let secretary: Staff;
  let third: Staff;
  const born = '2012-06-15';
  const phone = '+32478888001';
  const names = (res: { body: { items: { lastName: string }[] } }) => res.body.items.map((p) => p.lastName).sort();

  beforeAll(async () => {
    centre = await buildCentre('Shared secretariat');
    third = await invite(centre.manager.actor, 'practitioner');
    secretary = await invite(centre.manager.actor, 'secretary', [
      centre.practitioner.userId,
      centre.otherPractitioner.userId,
    ]);
    const file = { birthDate: born, phone };
    await create(centre.practitioner.token, newPatient({ ...file, lastName: 'Aerts' }));
    await create(centre.otherPractitioner.token, newPatient({ ...file, lastName: 'Bosmans' }));
    await create(third.token, newPatient({ ...file, lastName: 'Cools' }));
  });

  it('searches by phone and by birth date across every practitioner served, and no further', async () => {
    const byPhone = await call('GET', `/patients?phone=${encodeURIComponent(phone)}`, { token: secretary.token });
    const byBirthDate = await call('GET', `/patients?birthDate=${born}&limit=1`, { token: secretary.token });

    expect(byPhone.status).toBe(200);
    expect(names(byPhone)).toEqual(['Aerts', 'Bosmans']);
    expect(byBirthDate.status).toBe(200);
    expect(names(byBirthDate)).toEqual(['Aerts', 'Bosmans']);
    expect(byBirthDate.body).not.toHaveProperty('nextCursor');
  });

  it('narrows a search to one served practitioner on request, and refuses one not served', async () => {
    const one = await call('GET', `/patients?birthDate=${born}&practitionerId=${centre.otherPractitioner.userId}`, {
      token: secretary.token,
    });
    const notServed = await call('GET', `/patients?birthDate=${born}&practitionerId=${third.userId}`, {
      token: secretary.token,
    });

    expect(names(one)).toEqual(['Bosmans']);
    expect(notServed.status).toBe(403);
  });

  it('still says whose patients to list by name', async () => {
    const ambiguous = await call('GET', '/patients?lastName=a', { token: secretary.token });
    const chosen = await call('GET', `/patients?practitionerId=${centre.practitioner.userId}`, {
      token: secretary.token,
    });

    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.fields[0].field).toBe('query.practitionerId');
    expect(names(chosen)).toEqual(['Aerts', 'Lambert']);
  });

  it("keeps a practitioner to their own patients and shows the manager everyone's", async () => {
    const practitioner = await call('GET', `/patients?birthDate=${born}`, { token: third.token });
    const manager = await call('GET', `/patients?birthDate=${born}`, { token: centre.manager.token });

    expect(names(practitioner)).toEqual(['Cools']);
    expect(names(manager)).toEqual(['Aerts', 'Bosmans', 'Cools']);
  });
});

describe('names in any script', () => {
  let centre: CentreWorld;
  const lastNames = (res: { body: { items: { lastName: string }[] } }) => res.body.items.map((p) => p.lastName);

  beforeAll(async () => {
    centre = await buildCentre('Unicode centre');
    for (const lastName of ['Łukasiewicz', 'Østergaard', 'Straße', 'Иванов', 'Ivanova', 'Σοφός']) {
      await create(centre.practitioner.token, newPatient({ lastName }));
    }
  });

  it.each([
    ['lukas', ['Łukasiewicz']],
    ['ŁUKAS', ['Łukasiewicz']],
    ['Ø', ['Østergaard']],
    ['oster', ['Østergaard']],
    ['strass', ['Straße']],
    ['Иванов', ['Иванов']],
    ['ива', ['Иванов']],
    ['ivanov', ['Ivanova']],
    ['ΣΟΦΟΣ', ['Σοφός']],
  ])('finds %s by the same normalisation as the stored keys', async (prefix, expected) => {
    const res = await call('GET', `/patients?lastName=${encodeURIComponent(prefix)}`, {
      token: centre.practitioner.token,
    });

    expect(res.status).toBe(200);
    expect(lastNames(res)).toEqual(expected);
  });

  it('refuses a last-name prefix with no letter or digit instead of listing the whole centre', async () => {
    const before = await itemCount();

    const res = await call('GET', `/patients?lastName=${encodeURIComponent(' -’. ')}`, {
      token: centre.manager.token,
    });

    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ field: 'query.lastName', message: expect.stringMatching(/letter or digit/) }]);
    expect(await itemCount()).toBe(before);
  });

  it('stores, updates and finds names long in bytes (their key holds a bounded prefix, the file the whole name)', async () => {
    // 100 × U+FDFA normalise to 3 000 bytes, 100 Hangul syllables to 900: past a 1 024-byte key.
    const ligatures = '\uFDFA'.repeat(100);
    const hangul = '\uD55C\uAE00'.repeat(50);
    const created = await create(centre.practitioner.token, newPatient({ lastName: ligatures, firstName: hangul }));
    const twin = await create(centre.practitioner.token, newPatient({ lastName: `${ligatures.slice(0, 99)}x` }));
    expect([created.status, twin.status]).toEqual([201, 201]);

    const updated = await call('PATCH', `/patients/${created.body.patientId}`, {
      token: centre.practitioner.token,
      body: { version: 1, firstName: `${hangul.slice(0, 99)}\uAC01` },
    });
    const whole = await call('GET', `/patients?lastName=${encodeURIComponent(ligatures)}`, {
      token: centre.practitioner.token,
    });
    const start = await call('GET', `/patients?lastName=${encodeURIComponent(ligatures.slice(0, 20))}`, {
      token: centre.practitioner.token,
    });

    expect(updated.status).toBe(200);
    expect(updated.body.firstName).toBe(`${hangul.slice(0, 99)}\uAC01`);
    // The twin shares the part of the name its key holds: the full prefix still tells them apart.
    expect(whole.status).toBe(200);
    expect(whole.body.items.map((p: { patientId: string }) => p.patientId)).toEqual([created.body.patientId]);
    expect(whole.body.items[0].lastName).toBe(ligatures);
    expect(start.body.items.map((p: { patientId: string }) => p.patientId).sort()).toEqual(
      [created.body.patientId, twin.body.patientId].sort(),
    );
  });

  it('keeps letters and digits of every script, folding the Latin letters that do not decompose', () => {
    expect(normaliseName('Van der Berghe-Müller')).toBe('vanderberghemuller');
    expect(normaliseName('Łukasz Đorđević')).toBe('lukaszdordevic');
    expect(normaliseName('Æbeløe Straße Cœur')).toBe('aebeloestrassecoeur');
    expect(normaliseName('Иванов-Петров 2')).toBe('ивановпетров2');
    expect(normaliseName('李小龍')).toBe('李小龍');
    expect(normaliseName('—')).toBe('');
  });
});

describe('transfer (R4) and audit trail (P5)', () => {
  it('moves a file to another practitioner and keeps its history', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Transfer' }));
    const id = created.body.patientId;

    const res = await call('POST', `/patients/${id}/transfer`, {
      token: w.practitioner.token,
      body: { toPractitionerId: w.otherPractitioner.userId, version: 1, reason: 'holiday cover' },
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ practitionerId: w.otherPractitioner.userId, version: 2 });
    expect((await call('GET', `/patients/${id}`, { token: w.practitioner.token })).status).toBe(404);
    const history = await call('GET', `/patients/${id}/transfers`, { token: w.otherPractitioner.token });
    expect(history.body.items).toEqual([
      expect.objectContaining({
        fromPractitionerId: w.practitioner.userId,
        toPractitionerId: w.otherPractitioner.userId,
        reason: 'holiday cover',
      }),
    ]);
    const list = await call('GET', '/patients?lastName=transfer', { token: w.otherPractitioner.token });
    expect(list.body.items.map((p: { patientId: string }) => p.patientId)).toEqual([id]);
  });

  it('shows a secretary who moved a file and when, but not the reason, which may be clinical', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Reasoned' }));
    const id = created.body.patientId;
    await call('POST', `/patients/${id}/transfer`, {
      token: w.manager.token,
      body: { toPractitionerId: w.otherPractitioner.userId, version: 1, reason: 'needs a voice specialist' },
    });
    await call('POST', `/patients/${id}/transfer`, {
      token: w.manager.token,
      body: { toPractitionerId: w.practitioner.userId, version: 2, reason: 'back from leave' },
    });

    const asSecretary = await call('GET', `/patients/${id}/transfers`, { token: w.secretary.token });
    const asManager = await call('GET', `/patients/${id}/transfers`, { token: w.manager.token });

    expect(asSecretary.status).toBe(200);
    expect(asSecretary.body.items).toHaveLength(2);
    for (const transfer of asSecretary.body.items) expect(transfer).not.toHaveProperty('reason');
    expect(asManager.body.items.map((t: { reason: string }) => t.reason).sort()).toEqual([
      'back from leave',
      'needs a voice specialist',
    ]);
  });

  it('records who read and wrote a file, with role, action, fields and request id — never values', async () => {
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Audited' }));
    const id = created.body.patientId;
    await call('GET', `/patients/${id}`, { token: w.secretary.token });
    await call('PATCH', `/patients/${id}`, {
      token: w.practitioner.token,
      body: { version: 1, email: 'audited@example.test' },
    });

    const trail = await call('GET', `/patients/${id}/audit`, { token: w.manager.token });

    expect(trail.status).toBe(200);
    expect(trail.body.items.map((e: { action: string; actorRole: string }) => `${e.action}:${e.actorRole}`)).toEqual([
      'patient.update:practitioner',
      'patient.read:secretary',
      'patient.create:practitioner',
    ]);
    expect(trail.body.items[0].fields).toEqual(['email']);
    expect(trail.body.items[0].requestId).toEqual(expect.any(String));
    const stored = (await allItems()).filter((i) => i.entity && (i.entity as { S: string }).S === 'AuditEvent');
    expect(JSON.stringify(stored)).not.toContain('audited@example.test');
  });

  it("lists a staff member's accesses for managers, searches included with the patients they returned", async () => {
    const secretary = await invite(w.manager.actor, 'secretary', [w.practitioner.userId]);
    const created = await create(w.practitioner.token, newPatient({ lastName: 'Watched' }));
    const id = created.body.patientId;
    await call('GET', `/patients/${id}`, { token: secretary.token });
    const search = await call('GET', '/patients?lastName=watch', { token: secretary.token });

    const trail = await call('GET', `/centre/staff/${secretary.userId}/audit`, { token: w.manager.token });

    expect(search.body.items.map((p: { patientId: string }) => p.patientId)).toEqual([id]);
    expect(trail.status).toBe(200);
    expect(trail.body.items).toEqual([
      expect.objectContaining({ action: 'patient.list', actorId: secretary.userId, patientIds: [id] }),
      expect.objectContaining({ action: 'patient.read', actorId: secretary.userId, patientId: id }),
    ]);
  });

  it.each([
    ['a name search', (p: Found) => `lastName=${encodeURIComponent(p.lastName.slice(0, 6))}`, 'name'],
    ['a phone search', (p: Found) => `phone=${encodeURIComponent(p.phone!)}`, 'phone'],
    ['a birth-date search', (p: Found) => `birthDate=${p.birthDate}`, 'birthDate'],
    ['a plain listing', () => 'limit=100', undefined],
  ])(
    "puts %s in the trail of every patient it returned, and in the searcher's, never the value searched",
    async (_what, query, search) => {
      const centre = await buildCentre();
      const secretary = await invite(centre.manager.actor, 'secretary', [centre.practitioner.userId]);
      const unique = `Zyx${newId().slice(-8)}`;
      const found: Found[] = [];
      for (const firstName of ['Ann', 'Bob']) {
        const res = await create(
          centre.practitioner.token,
          newPatient({ lastName: unique, firstName, phone: '+32470555101', birthDate: '1987-06-05' }),
        );
        found.push(res.body);
      }

      const res = await call('GET', `/patients?${query(found[0]!)}`, { token: secretary.token });
      const staffTrail = await call('GET', `/centre/staff/${secretary.userId}/audit`, { token: centre.manager.token });
      const patientTrails = await Promise.all(
        found.map((p) => call('GET', `/patients/${p.patientId}/audit`, { token: centre.manager.token })),
      );

      const returned = res.body.items.map((p: Found) => p.patientId);
      expect(returned).toEqual(expect.arrayContaining(found.map((p) => p.patientId)));
      const [listEvent] = staffTrail.body.items;
      expect(listEvent).toMatchObject({ action: 'patient.list', actorId: secretary.userId, patientIds: returned });
      expect(listEvent.search).toBe(search);
      for (const [i, trail] of patientTrails.entries()) {
        expect(trail.body.items[0]).toMatchObject({
          action: 'patient.list',
          actorId: secretary.userId,
          actorRole: 'secretary',
          patientId: found[i]!.patientId,
          listEventId: listEvent.eventId,
          requestId: listEvent.requestId,
        });
        expect(trail.body.items[0].search).toBe(search);
      }
      const stored = JSON.stringify(
        (await allItems()).filter((i) => (i.entity as { S?: string } | undefined)?.S === 'AuditEvent'),
      );
      for (const value of [unique, '+32470555101', '1987-06-05']) expect(stored).not.toContain(value);
    },
  );

  it('records a page of 60 patients in every trail at ⌈61 / 25⌉ = 3 batch writes, with the one query', async () => {
    const centre = await buildCentre();
    for (let i = 0; i < 60; i++)
      await createPatient(centre.practitioner.actor, newPatient({ lastName: `Many${i}` }), origin);
    resetRequestCounts();

    const res = await call('GET', '/patients?lastName=many&limit=60', { token: centre.practitioner.token });

    expect(res.body.items).toHaveLength(60);
    expect(requestCounts()).toEqual({ Query: 1, BatchWriteItem: 3 });
    const trail = await call('GET', `/patients/${res.body.items[59].patientId}/audit`, { token: centre.manager.token });
    expect(trail.body.items[0]).toMatchObject({ action: 'patient.list', search: 'name' });
  });

  it('keeps the audit trail for managers only', async () => {
    const res = await call('GET', `/patients/${w.patientId}/audit`, { token: w.practitioner.token });

    expect(res.status).toBe(403);
  });
});
