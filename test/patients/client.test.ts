import { beforeAll, describe, expect, it } from 'vitest';
import { createCentrumClient } from '../../client';
import { adapterFetch } from '../support/api';
import { buildCentre, type CentreWorld } from '../support/world';

/**
 * The patients context through the typed client a front end uses (client/index.ts, generated from
 * the OpenAPI document): if an answer left the document, these calls would no longer type-check or
 * would read fields that are not there.
 */
let w: CentreWorld;
const clientAs = (token: string | undefined) =>
  createCentrumClient({ baseUrl: 'https://api.centrum.test', accessToken: () => token, fetch: adapterFetch });

beforeAll(async () => {
  w = await buildCentre('Typed client centre');
});

describe('the typed client, on the patients context', () => {
  it('creates a file and reads it back, with typed fields', async () => {
    const centrum = clientAs(w.practitioner.token);

    const created = await centrum.POST('/patients', {
      body: { firstName: 'Zoé', lastName: 'Peeters', birthDate: '2015-06-01', phone: '0470 99 88 77' },
    });
    const patientId = created.data?.patientId ?? '';
    const read = await centrum.GET('/patients/{patientId}', { params: { path: { patientId } } });

    expect(created.response.status).toBe(201);
    expect(read.data).toMatchObject({ patientId, lastName: 'Peeters', phone: '+32470998877', version: 1 });
  });

  it('types problems too: a stale version is a 409 with the current version', async () => {
    const centrum = clientAs(w.practitioner.token);
    const { data: patient } = await centrum.GET('/patients/{patientId}', {
      params: { path: { patientId: w.patientId } },
    });

    const stale = await centrum.PATCH('/patients/{patientId}', {
      params: { path: { patientId: w.patientId } },
      body: { version: (patient?.version ?? 0) + 5, notes: 'Progress noted' },
    });

    expect(stale.response.status).toBe(409);
    expect(stale.error).toMatchObject({ code: 'version_conflict', currentVersion: patient?.version });
  });

  it('searches by phone with typed query parameters, and pages by name', async () => {
    const centrum = clientAs(w.manager.token);

    const byPhone = await centrum.GET('/patients', { params: { query: { phone: '+32470112233' } } });
    const firstPage = await centrum.GET('/patients', { params: { query: { limit: 1 } } });
    const nextPage = await centrum.GET('/patients', {
      params: { query: { limit: 1, cursor: firstPage.data?.nextCursor } },
    });

    expect(byPhone.data?.items.map((p) => p.patientId).sort()).toEqual([w.patientId, w.otherPatientId].sort());
    expect(firstPage.data?.items).toHaveLength(1);
    expect(nextPage.data?.items[0]?.patientId).not.toBe(firstPage.data?.items[0]?.patientId);
  });

  it('answers 401 without a token and 404 for a colleague’s patient, as documented', async () => {
    const anonymous = await clientAs(undefined).GET('/patients/{patientId}', {
      params: { path: { patientId: w.patientId } },
    });
    const colleague = await clientAs(w.otherPractitioner.token).GET('/patients/{patientId}', {
      params: { path: { patientId: w.patientId } },
    });

    expect([anonymous.response.status, anonymous.error?.code]).toEqual([401, 'missing_token']);
    expect([colleague.response.status, colleague.error?.code]).toEqual([404, 'patient_not_found']);
  });
});
