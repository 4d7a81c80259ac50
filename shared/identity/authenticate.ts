import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { unauthenticated } from '#shared/errors';
import type { Actor } from '#shared/identity/actor';
import { verifyAccessToken } from '#shared/identity/tokens';

/**
 * Staff authentication: the `Authorization: Bearer <JWT>` header, verified. Passed to
 * createHttpHandler by the functions that serve staff routes, so a function without any (platform)
 * bundles neither jose nor the signing-key loader.
 */
export async function bearerAuthentication(event: APIGatewayProxyEventV2): Promise<Actor> {
  const header = event.headers?.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_.-]{10,4096})$/.exec(header);
  if (!match?.[1]) throw unauthenticated('A bearer access token is required', 'missing_token');
  return verifyAccessToken(match[1]);
}
