import * as z from 'zod';
import type { DynamoCommand } from '#shared/db/budget';
import type { DomainStatus, OperationSpec } from '#shared/http/operation';
import { problemSchema } from '#shared/schemas';

/**
 * The OpenAPI 3.1 document, generated from the contexts' operation declarations and the very zod
 * schemas the pipeline validates with (zod's own JSON Schema output, draft 2020-12 as OpenAPI 3.1
 * uses). Every status an operation can answer is listed: the ones its own rules give (declared
 * beside it) and the ones the pipeline gives every route of its kind. Tests validate every answer
 * they see against this document, so the two cannot drift apart.
 */
export interface DocumentedContext {
  name: string;
  summary: string;
  routes: readonly OperationSpec[];
}

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return json;
}

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const requestIdHeader = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };
const retryHeaders = { ...requestIdHeader, 'retry-after': { $ref: '#/components/headers/RetryAfter' } };

const problem = (description: string, headers: Record<string, unknown> = requestIdHeader) => ({
  description,
  headers,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const writes: DynamoCommand[] = ['TransactWriteItems', 'UpdateItem'];

/** Every status an operation may answer, with what it means there. */
export function documentedStatuses(operation: OperationSpec): Record<string, string> {
  const own: Partial<Record<DomainStatus, string>> = operation.errors ?? {};
  const statuses: Record<string, string> = {
    [String(operation.successStatus ?? 200)]: 'Success',
    400: 'Invalid request: the failing fields are listed (also an unexpected query parameter or body)',
  };
  const add = (status: number, generic: string | undefined) => {
    const text = [own[status as DomainStatus], generic].filter(Boolean).join('; ');
    if (text) statuses[status] = text;
  };
  const authenticated = operation.auth !== 'public';
  add(401, authenticated ? `Missing or invalid credentials (${operation.auth} route)` : undefined);
  add(
    403,
    operation.auth === 'staff' || operation.auth === 'patient' ? 'The role does not allow this action' : undefined,
  );
  add(404, operation.path.includes('{') ? 'Not found (or belongs to another centre)' : undefined);
  add(
    409,
    Object.keys(operation.budget).some((c) => writes.includes(c as DynamoCommand))
      ? 'Another request changed the same data at the same moment (`concurrent_modification`): retry'
      : undefined,
  );
  statuses[413] = 'The body is larger than 64 KB';
  if (operation.body) statuses[415] = 'The body is not application/json';
  add(422, undefined);
  add(429, undefined);
  statuses[500] = 'Unexpected error (quote the request id)';
  if (Object.keys(operation.budget).length > 0)
    statuses[503] = 'The database is busy (`service_busy`): retry after Retry-After';
  return statuses;
}

function successResponse(operation: OperationSpec) {
  const status = String(operation.successStatus ?? 200);
  if (status === '204') return { description: 'Done', headers: requestIdHeader };
  if (operation.produces) {
    return {
      description: 'OK',
      headers: requestIdHeader,
      content: { [operation.produces.split(';')[0]!]: { schema: { type: 'string' } } },
    };
  }
  return {
    description: 'OK',
    headers: requestIdHeader,
    content: {
      'application/json': { schema: operation.response ? schemaOf(operation.response, 'output') : {} },
    },
  };
}

const security: Record<OperationSpec['auth'], unknown[]> = {
  public: [],
  staff: [{ bearerAuth: [] }],
  patient: [{ patientBearer: [] }],
  webhook: [{ providerSignature: [] }],
};

function operationObject(context: string, operation: OperationSpec) {
  const success = String(operation.successStatus ?? 200);
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(documentedStatuses(operation))) {
    responses[status] =
      status === success
        ? successResponse(operation)
        : problem(description, ['409', '429', '503'].includes(status) ? retryHeaders : requestIdHeader);
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [context],
    security: security[operation.auth],
    parameters: [...parameters(operation.params, 'path'), ...parameters(operation.query, 'query')],
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(operation.body, 'input') } },
          },
        }
      : {}),
    responses,
    'x-dynamodb-budget': operation.budget,
  };
}

const cache = new WeakMap<readonly DocumentedContext[], JsonSchema>();

export function openApiDocument(contexts: readonly DocumentedContext[]): JsonSchema {
  const cached = cache.get(contexts);
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const context of contexts) {
    for (const operation of context.routes) {
      paths[operation.path] ??= {};
      paths[operation.path]![operation.method.toLowerCase()] = operationObject(context.name, operation);
    }
  }
  const document: JsonSchema = {
    openapi: '3.1.0',
    info: {
      title: 'Centrum API',
      version: '0.1.0',
      description:
        'Administration of paramedical and medical centres. Errors are application/problem+json with a stable `code`. Tenancy and role come from the access token only.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: contexts.filter((c) => c.routes.length > 0).map((c) => ({ name: c.name, description: c.summary })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Staff access token' },
        patientBearer: { type: 'http', scheme: 'bearer', description: 'Patient portal session token' },
        providerSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'x-centrum-signature',
          description: "A payment or messaging provider's signature over the exact raw body (no token)",
        },
      },
      headers: {
        RequestId: { description: 'Correlation id of the request (quote it to support)', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'string' } },
      },
      schemas: { Problem: schemaOf(problemSchema, 'output') },
    },
  };
  cache.set(contexts, document);
  return document;
}

/**
 * The reference page: Scalar's viewer over /openapi.json. The browser loads the viewer (4 MB, too
 * big to serve from a function) from jsDelivr, pinned to one version and checked with Subresource
 * Integrity, so a changed or compromised file is refused rather than run. To upgrade: change the
 * version and recompute the hash of `dist/browser/standalone.js` from the npm tarball
 * (`openssl dgst -sha384 -binary standalone.js | openssl base64 -A`).
 */
export const DOCS_VIEWER = {
  url: 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1/dist/browser/standalone.js',
  integrity: 'sha384-U11tb2XnKvmwt8RlTvnwUnYgrN+ur4Xyh9htLhjajWNR/Oyl5AX5DEz00qRmlrmK',
};

export const docsPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Centrum API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<noscript>The API reference needs JavaScript. The OpenAPI document itself is at <a href="openapi.json">openapi.json</a>.</noscript>
<script id="api-reference" data-url="openapi.json"></script>
<script src="${DOCS_VIEWER.url}" integrity="${DOCS_VIEWER.integrity}" crossorigin="anonymous"></script>
</body>
</html>`;
