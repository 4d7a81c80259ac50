import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/api';
import { itemCount } from '../support/table';
import { buildCentre, type CentreWorld } from '../support/world';

let w: CentreWorld;

beforeAll(async () => {
  w = await buildCentre('Bad input centre');
});

const problem = (res: { status: number; headers: Record<string, string>; body: { code: string } }) => ({
  status: res.status,
  type: res.headers['content-type'],
  code: res.body.code,
});

describe('bad input is a clear 4xx problem and writes nothing', () => {
  it('malformed JSON → 400 malformed_json', async () => {
    const before = await itemCount();

    const res = await call('POST', '/patients', {
      token: w.practitioner.token,
      rawBody: '{"firstName": "Emma",',
      headers: { 'content-type': 'application/json' },
    });

    expect(problem(res)).toEqual({ status: 400, type: 'application/problem+json', code: 'malformed_json' });
    expect(await itemCount()).toBe(before);
  });

  it('a body that is not JSON → 415', async () => {
    const res = await call('POST', '/patients', {
      token: w.practitioner.token,
      rawBody: 'firstName=Emma',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(problem(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('an oversized body → 413', async () => {
    const res = await call('POST', '/patients', {
      token: w.practitioner.token,
      body: { notes: 'x'.repeat(70_000) },
    });

    expect(problem(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('wrong types and unknown fields → 400 naming each field', async () => {
    const res = await call('POST', '/patients', {
      token: w.practitioner.token,
      body: { firstName: 42, lastName: 'L', birthDate: '2016-04-12', shoeSize: 38 },
    });

    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([
      { field: 'body.firstName', message: expect.any(String) },
      { field: 'body.shoeSize', message: expect.stringContaining('shoeSize') },
    ]);
  });

  it('a bad id in the path → 400 naming the parameter', async () => {
    const res = await call('GET', '/patients/not-a-ulid', { token: w.practitioner.token });

    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ field: 'path.patientId', message: expect.stringContaining('ULID') }]);
  });

  it('an unknown query parameter or a bad limit → 400', async () => {
    const unknown = await call('GET', '/patients?sort=name', { token: w.practitioner.token });
    const limit = await call('GET', '/patients?limit=1000', { token: w.practitioner.token });

    expect(unknown.body.fields[0].field).toBe('query.sort');
    expect(limit.body.fields[0].field).toBe('query.limit');
  });

  it('a body on a route that takes none → 400', async () => {
    const res = await call('GET', '/centre', { token: w.manager.token, body: { x: 1 } });

    expect(problem(res)).toMatchObject({ status: 400, code: 'unexpected_body' });
  });

  it('several search criteria at once → 400', async () => {
    const res = await call('GET', '/patients?lastName=du&birthDate=2016-04-12', {
      token: w.practitioner.token,
    });

    expect(res.status).toBe(400);
    expect(res.body.fields[0].message).toMatch(/one of/);
  });
});
