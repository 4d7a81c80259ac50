import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer, loadHandlers } from '../../scripts/local/http-adapter';

/** Through a real socket: CORS is the adapter's job (API Gateway's, when deployed). */
const allowed = 'http://localhost:5173';
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const server = createLocalServer(await loadHandlers(), { allowedOrigins: [allowed] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(() => close());

const preflight = (origin: string) =>
  fetch(`${base}/patients`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });

describe('CORS', () => {
  it('answers a preflight from an allowed origin with the policy', async () => {
    const res = await preflight(allowed);

    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
  });

  it('gives no CORS headers to another origin', async () => {
    const pre = await preflight('https://evil.example');
    const get = await fetch(`${base}/health`, { headers: { origin: 'https://evil.example' } });

    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read answers, including the request id', async () => {
    const res = await fetch(`${base}/health`, { headers: { origin: allowed } });

    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });
});
