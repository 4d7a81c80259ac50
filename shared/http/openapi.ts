import * as z from 'zod';
import { centresContract } from '#shared/centres/contract';
import type { OperationContract } from '#shared/http/contract';
import { type RouteDefinition, routes } from '#shared/http/routes';
import { identityContract } from '#shared/identity/contract';
import { patientsContract } from '#shared/patients/contract';
import { platformContract } from '#shared/platform/contract';
import { problemSchema } from '#shared/schemas';

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the
 * handlers validate with (zod's own JSON Schema output, draft 2020-12 as OpenAPI 3.1 uses).
 */
const contracts: Record<string, OperationContract> = {
  ...platformContract,
  ...identityContract,
  ...centresContract,
  ...patientsContract,
};

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

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(route: RouteDefinition) {
  const contract = contracts[route.operationId];
  if (!contract) throw new Error(`No contract for ${route.operationId}`);
  const status = String(contract.successStatus ?? 200);
  const success =
    status === '204'
      ? { description: 'Done' }
      : contract.produces
        ? {
            description: 'OK',
            content: { [contract.produces.split(';')[0]!]: { schema: { type: 'string' } } },
          }
        : {
            description: 'OK',
            content: {
              'application/json': { schema: contract.response ? schemaOf(contract.response, 'output') : {} },
            },
          };
  const responses: Record<string, unknown> = { [status]: success };
  if (contract.body || contract.query || contract.params)
    responses['400'] = problem('Invalid request: the failing fields are listed');
  if (route.auth === 'staff') {
    responses['401'] = problem('Missing, invalid or expired access token');
    responses['403'] = problem('The role does not allow this action');
  }
  if (route.path.includes('{')) responses['404'] = problem('Not found (or belongs to another centre)');
  if (route.method !== 'GET')
    responses['409'] = problem('Conflict (stale version, duplicate; `concurrent_modification`: retry)');
  if (route.operationId === 'signIn' || route.operationId === 'verifyMfa')
    responses['429'] = problem('Too many attempts');
  responses['500'] = problem('Unexpected error (quote the request id)');
  if (route.function !== 'platform') responses['503'] = problem('Busy (`service_busy`): retry after Retry-After');
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.function],
    ...(route.auth === 'staff' ? { security: [{ bearerAuth: [] }] } : { security: [] }),
    parameters: [...parameters(contract.params, 'path'), ...parameters(contract.query, 'query')],
    ...(contract.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(contract.body, 'input') } },
          },
        }
      : {}),
    responses,
    'x-dynamodb-budget': route.budget,
  };
}

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Centrum API',
      version: '0.1.0',
      description:
        'Administration of paramedical and medical centres. Errors are application/problem+json with a stable `code`. Tenancy and role come from the access token only.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: schemaOf(problemSchema, 'output') },
    },
  };
  return cached;
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
