import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../scripts/local/events';
import { lambdaContext, loadHandlers } from '../../scripts/local/http-adapter';
import { buildCentre } from '../support/world';

const dir = 'events/http';

describe('sample events (events/http)', () => {
  it.each(readdirSync(dir))('%s targets a route some context declares', (file) => {
    expect(() => loadEvent(`${dir}/${file}`, {})).not.toThrow();
  });

  it('runs through the deployed handlers with the expected answers', async () => {
    const w = await buildCentre('Events centre');
    const handlers = await loadHandlers();
    const vars = { ACCESS_TOKEN: w.practitioner.token, PATIENT_ID: w.patientId };
    const run = async (file: string) => {
      const { event, fn } = loadEvent(`${dir}/${file}`, vars);
      return handlers[fn]!(event, lambdaContext(fn, 'test'));
    };

    expect((await run('health.json')).statusCode).toBe(200);
    expect((await run('unknown-route.json')).statusCode).toBe(404);
    expect((await run('sign-in-malformed.json')).statusCode).toBe(400);
    expect((await run('sign-in.json')).statusCode).toBe(401);
    const list = await run('list-patients.json');
    expect(JSON.parse(list.body ?? '{}').items.map((p: { patientId: string }) => p.patientId)).toEqual([w.patientId]);
    expect((await run('get-patient.json')).statusCode).toBe(200);
  });
});
