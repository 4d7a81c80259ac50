import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { api, FALLBACK_CONTEXT } from '#functions/contexts';
import { FALLBACK_ROUTE_KEY, routeKey } from '#shared/http/operation';

/**
 * Sample events (events/): API Gateway v2 requests with `${NAME}` placeholders filled from the
 * given variables, and the function that serves their route key.
 */
export function loadEvent(file: string, vars: Record<string, string | undefined>) {
  const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  const event = JSON.parse(text) as APIGatewayProxyEventV2;
  if (event.routeKey === FALLBACK_ROUTE_KEY) return { event, fn: FALLBACK_CONTEXT };
  const found = api.operations.find((o) => routeKey(o.operation) === event.routeKey);
  if (!found) throw new Error(`${file}: route key ${event.routeKey} is declared by no context`);
  return { event, fn: found.context };
}
