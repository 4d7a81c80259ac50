import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DomainError, type FieldIssue, validationError } from '#shared/errors';
import { type CursorKey, type Cursors, createCursors } from '#shared/http/cursor';
import {
  type AuthKind,
  FALLBACK_ROUTE_KEY,
  type Implementation,
  type OperationSpec,
  routeKey,
} from '#shared/http/operation';
import { asDomainError, baseHeaders, errorToProblem, problemResponse, zodIssues } from '#shared/http/problem';
import type { RouteMatch } from '#shared/http/route-match';
import { logger } from '#shared/logger';
import type { Origin } from '#shared/origin';

export const MAX_BODY_BYTES = 64 * 1024;

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** What an authenticator sees: the headers and, for signatures, the exact bytes of the body. */
export interface AuthRequest {
  operation: OperationSpec;
  headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (base64 decoded), or undefined; 413 over the size limit. */
  rawBody(): Buffer | undefined;
  origin: Origin;
}

/** Proves who calls a route of one authentication kind, or throws (401, 403). */
export type Authenticator<P> = (request: AuthRequest) => Promise<P>;
export type Authenticators = Partial<Record<Exclude<AuthKind, 'public'>, Authenticator<unknown>>>;

export interface PipelineOptions<A extends Authenticators> {
  /** One authenticator per kind of route this function serves (checked when the handler is built). */
  authenticators?: A;
  /** The key that signs pagination cursors; required when an operation pages. */
  cursorKey?: CursorKey;
  /** The fallback function only: matches any route of the API, to answer 405 rather than 404. */
  matchAnyRoute?: (method: string, path: string) => RouteMatch;
}

interface Bound {
  operation: OperationSpec;
  run: (input: never) => Promise<unknown>;
}

const noCursorKey: Cursors = {
  page: () => Promise.reject(new Error('This function was built without a cursorKey')),
};

/**
 * Builds the Lambda handler of one function: one fixed order for every route (correlation id →
 * route → authentication of the route's kind → body size, type and JSON → validation →
 * operation → problem mapping). The implementation must have exactly one function per operation.
 */
export function createHttpHandler<const T extends readonly OperationSpec[], A extends Authenticators = object>(
  operations: T,
  options: PipelineOptions<A>,
  implementation: NoInfer<Implementation<T, A>>,
) {
  const authenticators: Authenticators = options.authenticators ?? {};
  const cursors = options.cursorKey ? createCursors(options.cursorKey) : noCursorKey;
  const table = new Map<string, Bound>();
  const runs = implementation as Record<string, Bound['run']>;
  for (const operation of operations) {
    const run = runs[operation.operationId];
    if (!run) throw new Error(`Operation ${operation.operationId} has no implementation`);
    if (operation.auth !== 'public' && !authenticators[operation.auth]) {
      throw new Error(`${operation.operationId} is a ${operation.auth} route: pass an authenticator for it`);
    }
    table.set(routeKey(operation), { operation, run });
  }
  const extra = Object.keys(runs).filter((id) => !operations.some((o) => o.operationId === id));
  if (extra.length > 0) throw new Error(`Operations ${extra.join(', ')} are not declared`);

  const dispatch = async (event: HttpEvent): Promise<HttpResponse> => {
    const origin = originOf(event);
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    const bound = table.get(event.routeKey);
    try {
      if (!bound) return unmatched(event, path, origin.requestId, options.matchAnyRoute);
      const { operation } = bound;
      const headers = event.headers ?? {};
      const body = lazyBody(event);
      const principal =
        operation.auth === 'public'
          ? undefined
          : await authenticators[operation.auth]!({ operation, headers, rawBody: body.bytes, origin });
      const input = parseInput(event, operation, body);
      const result = await bound.run({ ...input, headers, principal, origin, cursors } as never);
      return toResponse(result, operation, origin.requestId);
    } catch (error) {
      return failure(error, origin.requestId, path);
    }
  };

  const core = async (event: HttpEvent): Promise<HttpResponse> => {
    const started = performance.now();
    const response = await dispatch(event);
    // One line per request: route, status and time only — never the body, path ids or query.
    logger.info('request', { status: response.statusCode, durationMs: Math.round(performance.now() - started) });
    return response;
  };

  return middy<HttpEvent, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .before((request) => {
      logger.setCorrelationId(request.event.requestContext?.requestId);
      logger.appendKeys({ routeKey: request.event.routeKey });
    })
    .handler(core);
}

function failure(error: unknown, requestId: string, path: string): HttpResponse {
  const problem = errorToProblem(error, requestId, path);
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
    requestId,
    path,
  );
}

/** The fallback route: an unknown path is a 404, a known path with another method a 405. */
function unmatched(
  event: HttpEvent,
  path: string,
  requestId: string,
  matchAnyRoute: PipelineOptions<Authenticators>['matchAnyRoute'],
): HttpResponse {
  const method = event.requestContext?.http?.method ?? 'GET';
  const match = matchAnyRoute?.(method, path);
  const allowed = match && !match.operation ? match.allowed : [];
  if (event.routeKey === FALLBACK_ROUTE_KEY && allowed.length > 0) {
    return problemResponse(
      405,
      'method_not_allowed',
      `${method} is not allowed here`,
      requestId,
      path,
      {},
      {
        allow: allowed.join(', '),
      },
    );
  }
  return problemResponse(404, 'route_not_found', `No route for ${method} ${path}`, requestId, path);
}

/** The first `max` code points (never half of a surrogate pair). */
const atMostCodePoints = (text: string, max: number) =>
  text.length <= max ? text : Array.from(text).slice(0, max).join('');

function originOf(event: HttpEvent): Origin {
  return {
    requestId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
    userAgent: atMostCodePoints(event.headers?.['user-agent'] ?? '', 256),
  };
}

interface LazyBody {
  /** The exact bytes, or undefined when there is no body; 413 over the limit. Decoded once. */
  bytes(): Buffer | undefined;
  text(): string | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function lazyBody(event: HttpEvent): LazyBody {
  let bytes: Buffer | undefined | null = null;
  const read = () => {
    if (bytes !== null) return bytes;
    if (event.body === undefined || event.body === null || event.body === '') return (bytes = undefined);
    const decoded = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    if (decoded.length > MAX_BODY_BYTES) {
      throw new DomainError('payload_too_large', 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    return (bytes = decoded);
  };
  return {
    bytes: read,
    text: () => {
      const raw = read();
      if (raw === undefined) return undefined;
      if (!event.isBase64Encoded) return event.body as string;
      try {
        return strictUtf8.decode(raw);
      } catch {
        throw validationError('The body is not well-formed UTF-8', [{ field: 'body', message: 'not UTF-8' }]);
      }
    },
  };
}

function parseInput(event: HttpEvent, operation: OperationSpec, body: LazyBody) {
  const params = wellFormed(event.pathParameters ?? {}, 'path');
  const query = wellFormed(event.queryStringParameters ?? {}, 'query');
  return {
    params: validate(operation.params, params, 'path'),
    query: validate(operation.query, query, 'query'),
    body: operation.body
      ? validate(operation.body, wellFormed(parseJsonBody(event, body), 'body'), 'body')
      : rejectBody(body),
  };
}

/** A UTF-16 surrogate that is not half of a pair (the `u` flag matches pairs as one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = /[\uD800-\uDFFF]/gu;

/**
 * Refuses text that is not well-formed Unicode — a lone surrogate, which JSON's `\ud800` escape or
 * a percent-decoded path can carry — in every string and member name of the path, query and body,
 * before any schema sees it: such text cannot be stored, indexed or e-mailed faithfully.
 */
function wellFormed<T>(value: T, where: 'path' | 'query' | 'body'): T {
  const fields: FieldIssue[] = [];
  const visit = (node: unknown, path: string) => {
    if (fields.length >= 10) return;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) fields.push({ field: path, message: 'not well-formed Unicode (lone surrogate)' });
    } else if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, `${path}.${index}`));
    } else if (node !== null && typeof node === 'object') {
      for (const [name, child] of Object.entries(node)) {
        const at = `${path}.${name.replace(LONE_SURROGATES, '\uFFFD')}`;
        if (LONE_SURROGATE.test(name)) fields.push({ field: at, message: 'member name not well-formed Unicode' });
        visit(child, at);
      }
    }
  };
  visit(value, where);
  if (fields.length > 0)
    throw validationError(`The request ${where} holds text that is not well-formed Unicode`, fields);
  return value;
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

function parseJsonBody(event: HttpEvent, body: LazyBody): unknown {
  const text = body.text();
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

function rejectBody(body: LazyBody) {
  if (body.bytes() !== undefined) {
    throw validationError(
      'This route takes no body',
      [{ field: 'body', message: 'unexpected body' }],
      'unexpected_body',
    );
  }
  return undefined;
}

function toResponse(result: unknown, operation: OperationSpec, requestId: string): HttpResponse {
  const statusCode = operation.successStatus ?? 200;
  if (statusCode === 204 || result === undefined) {
    return { statusCode, headers: { ...baseHeaders, 'x-request-id': requestId, ...operation.headers } };
  }
  const text = typeof result === 'string';
  return {
    statusCode,
    headers: {
      'content-type': text ? (operation.produces ?? 'text/plain; charset=utf-8') : 'application/json',
      ...baseHeaders,
      'x-request-id': requestId,
      ...operation.headers,
    },
    body: text ? result : JSON.stringify(result),
  };
}
