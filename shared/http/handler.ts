import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DomainError, validationError } from '#shared/errors';
import { matchRoute } from '#shared/http/route-match';
import type {
  ContractFor,
  HttpResult,
  Implementation,
  OperationContract,
  OperationIdOf,
  RequestMeta,
} from '#shared/http/contract';
import { asDomainError, baseHeaders, errorToProblem, problemResponse, zodIssues } from '#shared/http/problem';
import { type FunctionName, type RouteDefinition, routeKey, routesOf } from '#shared/http/routes';
import type { Actor } from '#shared/identity/actor';
import { logger } from '#shared/logger';

export const MAX_BODY_BYTES = 64 * 1024;

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

interface BoundOperation {
  route: RouteDefinition;
  contract: OperationContract;
  run: (input: never) => Promise<HttpResult>;
}

/**
 * Builds the Lambda handler of one bounded context: one fixed middleware order for every route
 * (correlation id → auth → body parsing → validation → operation → problem mapping). The
 * operations must be exactly the route table's entries for this function.
 */
export function createHttpHandler<F extends FunctionName, C extends ContractFor<F>>(
  fn: F,
  contract: C,
  implementation: Implementation<F, C>,
  options: { authenticate?: (event: HttpEvent) => Promise<Actor> } = {},
) {
  const { authenticate } = options;
  if (!authenticate && routesOf(fn).some((r) => r.auth === 'staff')) {
    throw new Error(`${fn} serves staff routes: pass an authenticate function`);
  }
  const table = new Map<string, BoundOperation>();
  for (const route of routesOf(fn)) {
    const id = route.operationId as OperationIdOf<F>;
    const run = implementation[id];
    if (!run || !contract[id]) throw new Error(`Operation ${route.operationId} of ${fn} has no implementation`);
    table.set(routeKey(route), { route, contract: contract[id], run: run as BoundOperation['run'] });
  }
  const extra = Object.keys(implementation).filter((id) => !routesOf(fn).some((r) => r.operationId === id));
  if (extra.length > 0) throw new Error(`Operations ${extra.join(', ')} of ${fn} are not in the route table`);

  const core = async (event: HttpEvent): Promise<HttpResponse> => {
    const started = performance.now();
    const response = await dispatch(event);
    // One line per request: route, status and time only — never the body, path ids or query.
    logger.info('request', {
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
    });
    return response;
  };

  const dispatch = async (event: HttpEvent): Promise<HttpResponse> => {
    const meta = requestMeta(event);
    const bound = table.get(event.routeKey);
    try {
      if (!bound) return unmatched(event, meta);
      const actor = bound.route.auth === 'staff' ? await authenticate?.(event) : undefined;
      const input = parseInput(event, bound.contract);
      const result = await bound.run({ ...input, meta, actor } as never);
      return toResponse(result, bound.contract, meta.requestId);
    } catch (error) {
      const problem = errorToProblem(error, meta.requestId, meta.path);
      if (problem) {
        const shown = asDomainError(error);
        const outcome = { status: problem.statusCode, code: shown?.code ?? 'validation_failed' };
        // A write collision or throttling is no fault of the caller's: operators should see it.
        if (shown && !(error instanceof DomainError)) {
          logger.warn('database asked for a retry', { ...outcome, error: (error as Error).name });
        } else {
          logger.info('request rejected', outcome);
        }
        return problem;
      }
      logger.error('unexpected error', { error: error as Error });
      return problemResponse(
        500,
        'internal_error',
        'An unexpected error occurred; quote the request id to support',
        meta.requestId,
        meta.path,
      );
    }
  };

  return middy<HttpEvent, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .before((request) => {
      logger.setCorrelationId(request.event.requestContext?.requestId);
      logger.appendKeys({ routeKey: request.event.routeKey });
    })
    .handler(core);
}

/** The fallback route: an unknown path is a 404, a known path with another method a 405. */
function unmatched(event: HttpEvent, meta: RequestMeta): HttpResponse {
  const method = event.requestContext?.http?.method ?? 'GET';
  const match = matchRoute(method, meta.path);
  const allowed = match.route ? [] : match.allowed;
  if (allowed.length > 0) {
    return problemResponse(
      405,
      'method_not_allowed',
      `${method} is not allowed here`,
      meta.requestId,
      meta.path,
      {},
      {
        allow: allowed.join(', '),
      },
    );
  }
  return problemResponse(404, 'route_not_found', `No route for ${method} ${meta.path}`, meta.requestId, meta.path);
}

function requestMeta(event: HttpEvent): RequestMeta {
  return {
    requestId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
    userAgent: (event.headers?.['user-agent'] ?? '').slice(0, 256),
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
  };
}

function parseInput(event: HttpEvent, contract: OperationContract) {
  const params = validate(contract.params, event.pathParameters ?? {}, 'path');
  const query = validate(contract.query, event.queryStringParameters ?? {}, 'query');
  const body = contract.body ? validate(contract.body, parseJsonBody(event), 'body') : rejectBody(event);
  return { params, query, body, headers: event.headers ?? {} };
}

function validate(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body') {
  if (!schema) {
    if (where === 'query' && value && Object.keys(value).length > 0) {
      throw validationError(
        'This route takes no query parameters',
        Object.keys(value).map((k) => ({ field: `query.${k}`, message: 'unknown parameter' })),
      );
    }
    return undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(`The request ${where} is not valid`, zodIssues(result.error, where));
  return result.data;
}

function rawBody(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('payload_too_large', 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  return text;
}

function parseJsonBody(event: HttpEvent): unknown {
  const text = rawBody(event);
  if (text === undefined)
    throw validationError('A JSON body is required', [{ field: 'body', message: 'required' }], 'body_required');
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new DomainError(
      'unsupported_media_type',
      'unsupported_media_type',
      'The body must be sent as application/json',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw validationError(
      'The body is not valid JSON',
      [{ field: 'body', message: 'malformed JSON' }],
      'malformed_json',
    );
  }
}

function rejectBody(event: HttpEvent) {
  if (rawBody(event) !== undefined) {
    throw validationError(
      'This route takes no body',
      [{ field: 'body', message: 'unexpected body' }],
      'unexpected_body',
    );
  }
  return undefined;
}

function toResponse(result: HttpResult, contract: OperationContract, requestId: string): HttpResponse {
  const status = result.status ?? contract.successStatus ?? 200;
  const headers = { ...baseHeaders, 'x-request-id': requestId, ...result.headers };
  if (status === 204 || result.body === undefined) return { statusCode: status, headers };
  if (typeof result.body === 'string') {
    return {
      statusCode: status,
      headers: { 'content-type': contract.produces ?? 'text/plain; charset=utf-8', ...headers },
      body: result.body,
    };
  }
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(result.body),
  };
}
