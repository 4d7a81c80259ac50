import type { Actor } from '#shared/access/actor';
import { unauthenticated } from '#shared/errors';
import type { AuthRequest } from '#shared/http/pipeline';
import { assertNotRevoked } from './revocations';
import { verifiedAccessToken } from './tokens';

/**
 * The authenticator of `staff` routes: the `Authorization: Bearer <JWT>` header, verified, and not
 * revoked (functions/identity/revocations.ts: no database read per request). Passed
 * to the pipeline by the functions that serve staff routes, so a function without any (platform)
 * bundles neither jose nor the signing-key loader.
 */
export async function bearerAuthentication(request: AuthRequest): Promise<Actor> {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_.-]{10,4096})$/.exec(header);
  if (!match?.[1]) throw unauthenticated('A bearer access token is required', 'missing_token');
  const { actor, issuedAt } = await verifiedAccessToken(match[1]);
  const reading = assertNotRevoked(actor, issuedAt);
  if (reading) await reading;
  return actor;
}
