import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { retryableDatabaseError } from '#shared/db/errors';
import { DomainError, type ErrorKind } from '#shared/errors';

/** The one table from error kinds to HTTP statuses (retryable database errors included, below). */
const statusOf: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rule_violation: 422,
  too_many_requests: 429,
  unavailable: 503,
};

const titleOf: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const baseHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function problemResponse(
  status: number,
  code: string,
  detail: string,
  requestId: string,
  instance: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      ...baseHeaders,
      'content-type': 'application/problem+json',
      'x-request-id': requestId,
      ...headers,
    },
    body: JSON.stringify({
      type: `https://centrum.health/problems/${code}`,
      title: titleOf[status] ?? 'Error',
      status,
      code,
      detail,
      instance,
      requestId,
      ...extra,
    }),
  };
}

/**
 * DynamoDB errors a retry cures, as the domain errors the client sees. The SDK has already retried
 * throttled requests with back-off, so what reaches us is worth a 503 with Retry-After, not a 500;
 * a collision with a concurrent transaction is a 409 the client can simply repeat.
 */
function retryableProblem(error: unknown): DomainError | undefined {
  switch (retryableDatabaseError(error)) {
    case 'concurrent_modification':
      return new DomainError(
        'conflict',
        'concurrent_modification',
        'Another request changed the same data at the same moment; retry the request',
        { retryAfterSeconds: 1 },
      );
    case 'throttled':
      return new DomainError('unavailable', 'service_busy', 'The service is busy; retry in a moment', {
        retryAfterSeconds: 2,
      });
    default:
      return undefined;
  }
}

/** The domain error an error is shown as: itself, a retryable database error, or none (→ 500). */
export function asDomainError(error: unknown): DomainError | undefined {
  return error instanceof DomainError ? error : retryableProblem(error);
}

/** Maps an error to a problem response; anything not recognised here is an opaque 500. */
export function errorToProblem(error: unknown, requestId: string, instance: string) {
  const domainError = asDomainError(error);
  if (domainError) {
    const status = statusOf[domainError.kind];
    const { retryAfterSeconds, ...details } = domainError.details;
    const headers: Record<string, string> = retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {};
    return problemResponse(status, domainError.code, domainError.message, requestId, instance, details, headers);
  }
  if (error instanceof ZodError) {
    return problemResponse(400, 'validation_failed', 'The request is not valid', requestId, instance, {
      fields: zodIssues(error),
    });
  }
  return undefined;
}

export function zodIssues(error: ZodError, prefix?: string) {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '');
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    return {
      field: keys?.length ? [...path, keys.join(',')].join('.') : path.join('.') || (prefix ?? ''),
      message: issue.message,
    };
  });
}
