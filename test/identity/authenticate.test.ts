import { describe, expect, it } from 'vitest';
import { bearerAuthentication } from '#functions/identity/authenticate';
import type { AuthRequest } from '#shared/http/pipeline';
import { buildCentre } from '../support/world';

/** The staff authenticator reads exactly `Authorization: Bearer <token>` and nothing around it. */
const request = (authorization: string | undefined) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as AuthRequest;

describe('the bearer header', () => {
  it('proves the actor of a well-formed header', async () => {
    const w = await buildCentre();

    await expect(bearerAuthentication(request(`Bearer ${w.manager.token}`))).resolves.toMatchObject({
      userId: w.manager.userId,
      role: 'manager',
    });
  });

  it.each([
    ['no header', () => undefined, 'missing_token'],
    ['another scheme', (t: string) => `Token ${t}`, 'missing_token'],
    ['text before the scheme', (t: string) => `xBearer ${t}`, 'missing_token'],
    ['text after the token', (t: string) => `Bearer ${t} extra`, 'missing_token'],
    ['two tokens', (t: string) => `Bearer ${t},${t}`, 'missing_token'],
    ['a token too short to be one', () => 'Bearer abc', 'missing_token'],
  ])('refuses %s (401)', async (_what, header, code) => {
    const w = await buildCentre();

    await expect(bearerAuthentication(request(header(w.manager.token)))).rejects.toMatchObject({
      kind: 'unauthenticated',
      code,
    });
  });
});
