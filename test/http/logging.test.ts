import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../support/api';
import { buildCentre, type CentreWorld } from '../support/world';

// Before the logger is created at import: INFO for this file only (the suite runs SILENT).
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'INFO';
});

let w: CentreWorld;

beforeAll(async () => {
  w = await buildCentre('Logging centre');
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `act` with INFO logs captured as parsed JSON lines. */
async function captureLogs(act: () => Promise<unknown>) {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  await act();
  vi.restoreAllMocks();
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('structured logs', () => {
  it('write one JSON line per request with the request id as correlation id, and no health data', async () => {
    const patient = {
      firstName: 'Zoé',
      lastName: 'Vandermeulen',
      birthDate: '2012-06-30',
      phone: '+32470998811',
      notes: 'stutters when tired',
    };
    let requestIds: string[] = [];

    const logs = await captureLogs(async () => {
      const created = await call('POST', '/patients', { token: w.practitioner.token, body: patient });
      const read = await call('GET', `/patients/${created.body.patientId}`, { token: w.practitioner.token });
      const bad = await call('PATCH', `/patients/${created.body.patientId}`, {
        token: w.practitioner.token,
        body: { version: 1, phone: 'not a phone 0470' },
      });
      requestIds = [created, read, bad].map((r) => r.headers['x-request-id']!);
    });

    const requestLines = logs.filter((l) => l.message === 'request');
    expect(requestLines.map((l) => l.correlation_id)).toEqual(requestIds);
    expect(requestLines.map((l) => l.status)).toEqual([201, 200, 400]);
    const text = JSON.stringify(logs);
    for (const value of [
      'Zoé',
      'Vandermeulen',
      '2012-06-30',
      '+32470998811',
      '0470998811',
      'stutters',
      'not a phone',
    ]) {
      expect(text).not.toContain(value);
    }
  });
});
