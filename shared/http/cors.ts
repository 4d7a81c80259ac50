import type { OperationSpec } from '#shared/http/operation';

/**
 * Browser access to the API (CORS) for the staff and patient front ends. One policy, applied by
 * API Gateway when deployed (infra/stacks/api-stack.ts) and by the local adapter locally. Tokens
 * travel in the Authorization header, never in cookies, so credentials are not allowed.
 */
export interface CorsPolicy {
  allowHeaders: string[];
  allowMethods: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

export function corsPolicy(operations: readonly Pick<OperationSpec, 'method'>[]): CorsPolicy {
  return {
    allowHeaders: ['authorization', 'content-type'],
    allowMethods: [...new Set(operations.map((o) => o.method))].sort(),
    exposeHeaders: ['x-request-id', 'retry-after', 'allow'],
    maxAgeSeconds: 600,
  };
}

/**
 * Parses a comma-separated list of allowed origins. Each must be an https origin, or http on
 * localhost for development; anything else (paths, wildcards, plain http) is refused.
 */
export function parseOrigins(value: string | undefined): string[] {
  const origins = (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    const local = url?.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
    if (!url || url.origin !== origin || (url.protocol !== 'https:' && !local)) {
      throw new Error(`"${origin}" is not an allowed origin: use https://host[:port] (or http://localhost:port)`);
    }
  }
  return origins;
}
