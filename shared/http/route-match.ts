import { type RouteDefinition, routes } from '#shared/http/routes';

/**
 * Matches a method and path against the route table, as API Gateway does: `{name}` matches one
 * path segment. Used by the local adapter to route, and by the fallback (`$default`) route to tell
 * an unknown path (404) from a known path with another method (405).
 */
interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

const compiled: CompiledRoute[] = routes.map((route) => {
  const names: string[] = [];
  const segments = route.path.split('/').map((segment) => {
    const param = /^\{(\w+)\}$/.exec(segment);
    if (!param?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    names.push(param[1]);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${segments.join('/')}$`), names };
});

export type RouteMatch =
  { route: RouteDefinition; pathParameters: Record<string, string> } | { route?: undefined; allowed: string[] };

export function matchRoute(method: string, path: string): RouteMatch {
  const candidates = compiled.flatMap((c) => {
    const m = c.pattern.exec(path);
    return m ? [{ c, m }] : [];
  });
  const hit = candidates.find(({ c }) => c.route.method === method);
  if (!hit) return { allowed: candidates.map(({ c }) => c.route.method) };
  const pathParameters: Record<string, string> = {};
  hit.c.names.forEach((name, i) => {
    const raw = hit.m[i + 1] ?? '';
    try {
      pathParameters[name] = decodeURIComponent(raw);
    } catch {
      pathParameters[name] = raw;
    }
  });
  return { route: hit.c.route, pathParameters };
}
