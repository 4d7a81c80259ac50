import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { api, FALLBACK_CONTEXT } from '#functions/contexts';
import type { ContextDefinition } from '#shared/context/definition';
import { FALLBACK_ROUTE_KEY, routeKey } from '#shared/http/operation';
import { logGroupPattern } from '#shared/jobs/pipeline';

/**
 * Sample events (events/<context>/): API Gateway v2 requests, EventBridge Scheduler runs and SQS
 * batches, with `${NAME}` placeholders filled from the given variables; and which function serves
 * each: a context's API function, or its jobs function.
 */
export type SampleEvent =
  { kind: 'http'; event: APIGatewayProxyEventV2; fn: string } | { kind: 'jobs'; event: unknown; fn: string };

const contexts: readonly ContextDefinition[] = api.contexts;

export function loadEvent(file: string, vars: Record<string, string | undefined>): SampleEvent {
  const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  const event = JSON.parse(text) as Record<string, unknown>;
  if (typeof event.routeKey === 'string') {
    const http = event as unknown as APIGatewayProxyEventV2;
    if (http.routeKey === FALLBACK_ROUTE_KEY) return { kind: 'http', event: http, fn: FALLBACK_CONTEXT };
    const found = api.operations.find((o) => routeKey(o.operation) === http.routeKey);
    if (!found) throw new Error(`${file}: route key ${http.routeKey} is declared by no context`);
    return { kind: 'http', event: http, fn: found.context };
  }
  if (event.source === 'centrum.schedule') {
    const owner = contexts.find((c) => c.jobs?.schedules.some((s) => s.name === event.schedule));
    if (!owner) throw new Error(`${file}: schedule ${String(event.schedule)} is declared by no context`);
    return { kind: 'jobs', event, fn: owner.name };
  }
  if (event.awslogs) return logsEvent(file, event.awslogs as { data: unknown });
  const arn = (event.Records as { eventSourceARN?: string }[] | undefined)?.[0]?.eventSourceARN ?? '';
  const owner = contexts.find((c) => c.jobs?.queues.some((q) => arn.endsWith(`-${q.name}`)));
  if (!owner)
    throw new Error(`${file}: neither an API Gateway request, a scheduled run nor a batch of a declared queue`);
  return { kind: 'jobs', event, fn: owner.name };
}

/**
 * A CloudWatch Logs subscription's event. A sample may hold its data decoded (readable, with
 * placeholders): it is encoded as CloudWatch Logs delivers it (gzip, base64) before the handler
 * sees it, as the local adapter of that service.
 */
function logsEvent(file: string, awslogs: { data: unknown }): SampleEvent {
  const decoded =
    typeof awslogs.data === 'string'
      ? (JSON.parse(gunzipSync(Buffer.from(awslogs.data, 'base64')).toString('utf8')) as { logGroup: string })
      : (awslogs.data as { logGroup: string });
  const owner = contexts.find((c) =>
    c.jobs?.logSubscriptions?.some((l) => l.logGroups.some((g) => logGroupPattern(g).test(decoded.logGroup))),
  );
  if (!owner) throw new Error(`${file}: log group ${decoded.logGroup} is subscribed by no context`);
  const data = typeof awslogs.data === 'string' ? awslogs.data : gzipSync(JSON.stringify(decoded)).toString('base64');
  return { kind: 'jobs', event: { awslogs: { data } }, fn: owner.name };
}
