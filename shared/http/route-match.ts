import type { OperationSpec } from '#shared/http/operation';

/**
 * Matches a method and path against a list of operations, as API Gateway does: `{name}` matches
 * one path segment. Used by the local adapter to route, and by the fallback (`$default`) route to
 * tell an unknown path (404) from a known path with another method (405).
 */
export type RouteMatch<O extends OperationSpec = OperationSpec> =
  { operation: O; pathParameters: Record<string, string> } | { operation?: undefined; allowed: string[] };

export function createRouteMatcher<O extends OperationSpec>(operations: readonly O[]) {
  const compiled = operations.map((operation) => {
    const names: string[] = [];
    const segments = operation.path.split('/').map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    });
    return { operation, pattern: new RegExp(`^${segments.join('/')}$`), names };
  });

  return function matchRoute(method: string, path: string): RouteMatch<O> {
    const candidates = compiled.flatMap((c) => {
      const m = c.pattern.exec(path);
      return m ? [{ c, m }] : [];
    });
    const hit = candidates.find(({ c }) => c.operation.method === method);
    if (!hit) return { allowed: candidates.map(({ c }) => c.operation.method) };
    const pathParameters: Record<string, string> = {};
    hit.c.names.forEach((name, i) => {
      const raw = hit.m[i + 1] ?? '';
      try {
        pathParameters[name] = decodeURIComponent(raw);
      } catch {
        pathParameters[name] = raw;
      }
    });
    return { operation: hit.c.operation, pathParameters };
  };
}
