import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { api } from '#functions/contexts';
import { openApiDocument } from '#shared/http/openapi';
import { createRouteMatcher } from '#shared/http/route-match';

/**
 * Checks a real answer against the OpenAPI document, independently of the zod schemas that
 * produced it: the status must be documented for the operation that answered, the content type
 * must be the documented one, and the body must validate against the documented JSON Schema
 * (draft 2020-12, with Ajv; objects are closed, so an undocumented property fails). Used by the
 * route matrix and the junk property on every answer they see, so code and document cannot drift.
 */
type Json = Record<string, any>;

const document = openApiDocument(api.contexts) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'centrum-openapi');

const matchRoute = createRouteMatcher(api.operations.map((o) => o.operation));
const compiled = new Map<string, ValidateFunction>();

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function validatorAt(path: string[]): ValidateFunction {
  const ref = `centrum-openapi#/${pointer(...path)}`;
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    compiled.set(ref, validate);
  }
  return validate;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** What is wrong with an answer to `method url` according to the document (empty: nothing). */
export function contractViolations(method: string, url: string, answer: Answer): string[] {
  const path = new URL(url, 'http://localhost').pathname;
  const match = matchRoute(method, path);
  const contentType = (answer.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!match.operation) {
    // API Gateway's $default route (the platform function): 404 or 405 as a problem.
    const problems = [404, 405].includes(answer.status) ? [] : [`unmatched request answered ${answer.status}`];
    return [...problems, ...bodyViolations(['components', 'schemas', 'Problem'], answer.text, contentType)];
  }
  const { operationId } = match.operation;
  const operationPath = ['paths', match.operation.path, method.toLowerCase()];
  const responses = (document.paths[match.operation.path]?.[method.toLowerCase()]?.responses ?? {}) as Json;
  const documented = responses[String(answer.status)] as Json | undefined;
  if (!documented) {
    return [
      `${operationId} answered ${answer.status}, which its documentation does not list (${Object.keys(responses).join(', ')})`,
    ];
  }
  const content = (documented.content ?? {}) as Json;
  if (Object.keys(content).length === 0) {
    return answer.text === '' ? [] : [`${operationId} ${answer.status} is documented without a body but has one`];
  }
  if (!content[contentType]) {
    return [
      `${operationId} ${answer.status} answered ${contentType || 'no content type'}, documented: ${Object.keys(content).join(', ')}`,
    ];
  }
  if (!contentType.endsWith('json')) return [];
  const where = [...operationPath, 'responses', String(answer.status), 'content', contentType, 'schema'];
  return bodyViolations(where, answer.text, contentType).map((v) => `${operationId} ${answer.status}: ${v}`);
}

function bodyViolations(where: string[], text: string, contentType: string): string[] {
  if (!contentType.endsWith('json')) return [`expected a JSON body, got ${contentType || 'none'}`];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return ['the body is not JSON'];
  }
  const validate = validatorAt(where);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}
