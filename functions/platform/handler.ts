import { api } from '#functions/contexts';
import { createHttpHandler } from '#shared/http/pipeline';
import { createRouteMatcher } from '#shared/http/route-match';
import { platformRoutes } from './routes';
import { docs, health, openapi } from './service';

/**
 * Health, the OpenAPI document and the reference page; also API Gateway's `$default` route: an
 * unknown path is a 404, a known one with another method a 405. The edge is wired in here: the
 * document and the fallback cover every context.
 */
export const handler = createHttpHandler(
  platformRoutes,
  { matchAnyRoute: createRouteMatcher(api.operations.map((o) => o.operation)) },
  { health: () => health(), openapi: () => openapi(api.contexts), docs: () => docs() },
);
