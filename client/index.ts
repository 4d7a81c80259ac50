import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/**
 * A typed client of the Centrum API for front ends (staff web app, patient app), generated from the
 * OpenAPI document (client/schema.d.ts, `npm run generate:client`) and run by openapi-fetch: paths,
 * parameters, bodies and every documented answer — success or problem — are typed, so a change of
 * the API that a front end has not followed fails its type check.
 *
 *   const centrum = createCentrumClient({ baseUrl: 'http://localhost:3000', accessToken: () => token });
 *   const { data, error } = await centrum.GET('/patients/{patientId}', { params: { path: { patientId } } });
 */
export type { components, operations, paths } from './schema';

export interface CentrumClientOptions {
  baseUrl: string;
  /** The current staff access token, if signed in (sent as `Authorization: Bearer`). */
  accessToken?: () => string | undefined;
  /** Another fetch (tests, server-side rendering). */
  fetch?: (request: Request) => Promise<Response>;
}

export function createCentrumClient(options: CentrumClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const bearer: Middleware = {
    onRequest({ request }) {
      const token = options.accessToken?.();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  client.use(bearer);
  return client;
}

export type CentrumClient = ReturnType<typeof createCentrumClient>;
