import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { FALLBACK_ROUTE_KEY, type FunctionName, fallbackFunction, routeKey, routes } from '#shared/http/routes';

/**
 * Sample events (events/): API Gateway v2 requests with `${NAME}` placeholders filled from the
 * given variables, and the function that serves their route key.
 */
export function loadEvent(file: string, vars: Record<string, string | undefined>) {
  const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  const event = JSON.parse(text) as APIGatewayProxyEventV2;
  if (event.routeKey === FALLBACK_ROUTE_KEY) return { event, fn: fallbackFunction };
  const route = routes.find((r) => routeKey(r) === event.routeKey);
  if (!route) throw new Error(`${file}: route key ${event.routeKey} is not in the route table`);
  return { event, fn: route.function as FunctionName };
}
