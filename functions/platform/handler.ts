import { api } from '#functions/contexts';
import { config } from '#shared/config';
import { createHttpHandler } from '#shared/http/pipeline';
import { docsPage, openApiDocument } from '#shared/http/openapi';
import { createRouteMatcher } from '#shared/http/route-match';
import { platformRoutes } from './routes';

/**
 * Health, the OpenAPI document (of every context, from the edge) and the reference page; also
 * API Gateway's `$default` route: an unknown path is a 404, a known one with another method a 405.
 */
export const handler = createHttpHandler(
  platformRoutes,
  { matchAnyRoute: createRouteMatcher(api.operations.map((o) => o.operation)) },
  {
    health: async () => ({ status: 'ok' as const, stage: config.stage, time: new Date().toISOString() }),
    openapi: async () => openApiDocument(api.contexts),
    docs: async () => docsPage,
  },
);
