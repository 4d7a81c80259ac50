import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { api, FALLBACK_CONTEXT } from '#functions/contexts';
import { corsPolicy } from '#shared/http/cors';
import { FALLBACK_ROUTE_KEY, routeKey } from '#shared/http/operation';
import { problemResponse } from '#shared/http/problem';
import { createRouteMatcher } from '#shared/http/route-match';

/**
 * The local stand-in for API Gateway (HTTP API, payload 2.0): matches a request against the
 * operations of every context (composed at the edge), builds the same event API Gateway would and calls the very handler that is
 * deployed. A request that matches no route goes, as API Gateway's `$default` route, to the
 * fallback function, which answers 404 or 405.
 */
export type LambdaHttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
/** The API function of each context, by context name. */
export type Handlers = Record<string, LambdaHttpHandler>;

const operations = api.operations.map((o) => o.operation);
const matchRoute = createRouteMatcher(operations);
const corsRules = corsPolicy(operations);

/** API Gateway's own payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
}

/** Builds the API Gateway v2 event for a request, and says which context's function serves it. */
export function toEvent(req: RawRequest): { event: APIGatewayProxyEventV2; fn: string } {
  const url = new URL(req.url, 'http://localhost');
  const requestId = randomUUID();
  const match = matchRoute(req.method, url.pathname);
  // No route: API Gateway's $default route, served by the fallback function (404/405 problems).
  const key = match.operation ? routeKey(match.operation) : FALLBACK_ROUTE_KEY;
  const fn = match.operation ? api.contextOf(match.operation.operationId)! : FALLBACK_CONTEXT;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const textual = req.body.length === 0 || /json|text|xml|x-www-form-urlencoded/i.test(contentType);
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(match.operation && Object.keys(match.pathParameters).length ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body.length ? { body: textual ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: !textual,
  };
  return { event, fn };
}

/** Calls the handler for a raw request, as API Gateway would. */
export async function invoke(handlers: Handlers, req: RawRequest): Promise<APIGatewayProxyStructuredResultV2> {
  const built = toEvent(req);
  const handler = handlers[built.fn];
  if (!handler) throw new Error(`No handler loaded for ${built.fn}`);
  const result = await handler(built.event, lambdaContext(`centrum-${built.fn}`, built.event.requestContext.requestId));
  return result;
}

const EMPTY = Buffer.alloc(0);

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  // No body announced: nothing to wait for (Node discards an unread request once answered).
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2,
  extraHeaders: Record<string, string> = {},
) {
  const body =
    result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string>),
    ...extraHeaders,
    ...(body ? { 'content-length': body.length } : {}),
  });
  res.end(body);
}

/**
 * API Gateway's CORS handling, with the same policy (shared/http/cors.ts): a preflight from an
 * allowed origin is answered here (it never reaches a function), and answers to allowed origins
 * carry the CORS headers. Other origins get no CORS headers, so browsers refuse them.
 */
function corsHeaders(req: IncomingMessage, allowedOrigins: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': corsRules.exposeHeaders.join(','),
    vary: 'origin',
  };
}

function isPreflight(req: IncomingMessage) {
  return (
    req.method === 'OPTIONS' && Boolean(req.headers.origin) && Boolean(req.headers['access-control-request-method'])
  );
}

export function createLocalServer(handlers: Handlers, options: { allowedOrigins?: readonly string[] } = {}): Server {
  const allowedOrigins = options.allowedOrigins ?? [];
  return createServer(async (req, res) => {
    const cors = corsHeaders(req, allowedOrigins);
    try {
      if (isPreflight(req) && cors['access-control-allow-origin']) {
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': corsRules.allowMethods.join(','),
          'access-control-allow-headers': corsRules.allowHeaders.join(','),
          'access-control-max-age': String(corsRules.maxAgeSeconds),
        });
        res.end();
        return;
      }
      const body = await readBody(req);
      if (!body) {
        send(
          res,
          problemResponse(
            413,
            'payload_too_large',
            'The request is larger than API Gateway accepts',
            randomUUID(),
            req.url ?? '/',
          ),
          cors,
        );
        return;
      }
      const result = await invoke(handlers, {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      });
      send(res, result, cors);
    } catch (error) {
      // As API Gateway does when a function crashes: a bare 500, the details stay in the logs.
      console.error('local adapter: handler failed', error);
      send(res, problemResponse(500, 'internal_error', 'Internal server error', randomUUID(), req.url ?? '/'), cors);
    }
  });
}

/** The deployed API handlers of every context, imported lazily so that configuration is read after the env is set. */
export async function loadHandlers(): Promise<Handlers> {
  const withApi = api.contexts.filter((c) => c.api);
  const modules = await Promise.all(
    withApi.map((c) => import(`../../functions/${c.name}/handler.ts`) as Promise<{ handler: unknown }>),
  );
  return Object.fromEntries(withApi.map((c, i) => [c.name, modules[i]!.handler as LambdaHttpHandler]));
}
