import type { OperationSpec } from '#shared/http/operation';

/**
 * Matches a method and path against a list of operations, as API Gateway does: `{name}` matches
 * one path segment, and a literal route wins over a templated one. Used by the local adapter to
 * route, and by the fallback (`$default`) route to tell an unknown path (404) from a known path
 * with another method (405).
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
  type Compiled = (typeof compiled)[number];
  // Literal paths are looked up directly; templated ones are tried in order.
  const literal = new Map<string, Compiled[]>();
  for (const c of compiled) {
    if (c.names.length === 0) literal.set(c.operation.path, [...(literal.get(c.operation.path) ?? []), c]);
  }
  // Templated ones, by their first segment (`/patients/{patientId}` under `patients`; a route that
  // starts with a parameter under `*`, tried for every path).
  const firstSegment = (path: string) => {
    const first = path.split('/', 2)[1] ?? '';
    return /^\{\w+\}$/.test(first) ? '*' : first;
  };
  const templated = new Map<string, Compiled[]>();
  for (const c of compiled) {
    if (c.names.length > 0) {
      const first = firstSegment(c.operation.path);
      templated.set(first, [...(templated.get(first) ?? []), c]);
    }
  }
  const noRoutes: Compiled[] = [];
  const matching = (routes: Compiled[], path: string) =>
    routes.flatMap((c) => {
      const m = c.pattern.exec(path);
      return m ? [{ c, m }] : [];
    });

  return function matchRoute(method: string, path: string): RouteMatch<O> {
    const direct = literal.get(path)?.map((c) => ({ c, m: [path] as RegExpExecArray | string[] })) ?? [];
    const directHit = direct.find(({ c }) => c.operation.method === method);
    const candidates = directHit
      ? direct
      : [
          ...direct,
          ...matching(templated.get(firstSegment(path)) ?? noRoutes, path),
          ...matching(templated.get('*') ?? noRoutes, path),
        ];
    const hit = directHit ?? candidates.find(({ c }) => c.operation.method === method);
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
