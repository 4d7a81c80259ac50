import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { api } from '#functions/contexts';
import type { OperationSpec } from '#shared/http/operation';
import { call } from '../support/api';
import { actorOf, callers, setupRouteMatrix } from '../support/matrix-world';
import { contractViolations } from '../support/openapi-contract';
import { refusalMayWrite, unexpectedWrites } from '../support/refusals';
import { resetRequestCounts, successfulWriteRequests } from '#shared/db/request-counter';
import { caseOf } from '../support/route-cases';
import { diffSnapshots, snapshot } from '../support/table';

/**
 * Property: every string field of every operation — each string of the body (nested objects and
 * list items included), each query parameter, each path parameter — filled with text drawn from the
 * whole Unicode range (astral planes, combining marks, Hangul, compatibility ligatures that
 * normalisation expands, lone surrogates) up to the field's maximum length, in the request that
 * otherwise succeeds for its caller (test/<context>/route-cases.ts): never a 5xx, the answer is the
 * documented one, text that is not well-formed Unicode is a 400 naming the field, and a refusal
 * writes nothing (docs/decisions/0015-user-text-in-keys.md).
 */
beforeAll(setupRouteMatrix);

type Json = { type?: string | string[]; properties?: Record<string, Json>; items?: Json; maxLength?: number } & {
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
};
interface StringField {
  where: 'body' | 'query' | 'path';
  path: (string | number)[];
  maxLength: number;
  /** Free text (no enum, format or pattern): also tried at its maximum length with the worst text. */
  free: boolean;
}

const jsonOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;

/** Every string in a JSON Schema, with its path (list items at index 0). */
function stringsOf(schema: Json, path: (string | number)[] = []): Omit<StringField, 'where'>[] {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const found: Omit<StringField, 'where'>[] = [];
  if (types.includes('string')) {
    const free = !schema.enum && !schema.format && !schema.pattern;
    found.push({ path, maxLength: Math.min(schema.maxLength ?? 300, 10_000), free });
  }
  for (const [name, property] of Object.entries(schema.properties ?? {}))
    found.push(...stringsOf(property, [...path, name]));
  if (schema.items) found.push(...stringsOf(schema.items, [...path, 0]));
  for (const option of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) found.push(...stringsOf(option, path));
  return found;
}

function fieldsOf(route: OperationSpec): StringField[] {
  const of = (where: StringField['where'], schema: z.ZodType | undefined) =>
    schema ? stringsOf(jsonOf(schema)).map((f) => ({ ...f, where })) : [];
  const unique = new Map<string, StringField>();
  for (const f of [...of('body', route.body), ...of('query', route.query), ...of('path', route.params)])
    unique.set(`${f.where}.${f.path.join('.')}`, f);
  return [...unique.values()].filter((f) => f.path.length > 0);
}

/** Characters normalisation expands most (U+FDFA → 30 bytes), Hangul, marks, astral letters. */
const hostileUnits = [
  '\uFDFA',
  '\u3316',
  '\uD55C',
  'a\u0301\u0302\u0303',
  '\u{1D518}',
  '\u{1F468}\u200D\u{1F469}',
  'é',
];
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.constantFrom(...hostileUnits), minLength: 1, maxLength }),
    fc.constantFrom(...hostileUnits.map((unit) => unit.repeat(Math.max(1, Math.floor(maxLength / unit.length))))),
    fc.constantFrom('\uD800', 'x\uDFFFy', `${'a'.repeat(Math.max(0, maxLength - 2))}\uD83D`),
  );

/** A copy of `value` with `text` at `path`, making the objects and lists on the way. */
function withText(value: unknown, path: (string | number)[], text: string): unknown {
  if (path.length === 0) return text;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (typeof head === 'number') {
    const list = Array.isArray(value) && value.length > 0 ? [...value] : [{}];
    list[0] = withText(list[0], rest, text);
    return list;
  }
  const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
  return { ...object, [head]: withText((object as Record<string, unknown>)[head], rest, text) };
}

async function requestWith(route: OperationSpec, field: StringField, text: string) {
  const caller = callers.find((c) => caseOf(route.operationId).expect[c] < 300) ?? 'manager';
  const req = await caseOf(route.operationId).request(caller);
  const url = new URL(req.url, 'http://local');
  let body = req.body;
  if (field.where === 'body') body = withText(body ?? {}, field.path, text);
  if (field.where === 'query') url.searchParams.set(String(field.path[0]), text);
  let path = url.pathname;
  if (field.where === 'path') {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const index = names.indexOf(String(field.path[0]));
    const template = new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`);
    const values = template.exec(path)?.slice(1) ?? [];
    values[index] = encodeURIComponent(text.replace(/[\uD800-\uDFFF]/gu, '\uFFFD')) || 'x'; // as a URL carries it
    let i = 0;
    path = route.path.replace(/\{\w+\}/g, () => values[i++] ?? 'x');
  }
  return {
    method: req.method,
    url: `${path}${url.search}`,
    options: {
      ...(body !== undefined ? { body } : {}),
      token: actorOf(caller)?.token,
      sourceIp: req.sourceIp ?? '198.51.100.77',
      ...(req.headers ? { headers: req.headers } : {}),
    },
  };
}

const routesWithText = api.operations
  .map((o) => o.operation)
  .map((route) => [route.operationId, route, fieldsOf(route)] as const)
  .filter(([, , fields]) => fields.length > 0);

describe('text from the whole Unicode range in every string field', () => {
  it.each(routesWithText.map(([id, route, fields]) => [id, route, fields] as const))(
    '%s never answers 5xx, refuses ill-formed text naming the field, and writes nothing when it refuses',
    async (_id, route, fields) => {
      const examples = fields
        .filter((f) => f.free)
        .flatMap((f) => ['\uFDFA', '\uD55C'].map((unit): [[StringField, string]] => [[f, unit.repeat(f.maxLength)]]));
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...fields).chain((field) => fc.tuple(fc.constant(field), hostileText(field.maxLength))),
          async ([field, text]) => {
            const { method, url, options } = await requestWith(route, field, text);
            // As in the junk property: item by item only where a refusal may write (test/support/refusals.ts).
            const before = refusalMayWrite(route) ? await snapshot() : undefined;
            resetRequestCounts();

            const res = await call(method, url, options);

            const name = `${field.where}.${field.path.join('.')}`;
            const what = `${name} = ${JSON.stringify(text.slice(0, 40))}… (${text.length}): ${method} ${url} → ${res.status} ${res.text.slice(0, 300)}`;
            expect(res.status, what).toBeLessThan(500);
            expect(contractViolations(method, url, res), what).toEqual([]);
            if (LONE_SURROGATE.test(text) && field.where === 'body') {
              expect(res.status, what).toBe(400);
              expect(res.body.fields, what).toContainEqual({ field: name, message: expect.stringMatching(/Unicode/) });
            }
            if (res.status >= 400 && before) {
              const diff = diffSnapshots(before, await snapshot());
              expect(unexpectedWrites(route, res.body?.code, diff), what).toEqual({
                added: [],
                changed: [],
                removed: [],
              });
            } else if (res.status >= 400) expect(successfulWriteRequests(), what).toEqual([]);
          },
        ),
        { numRuns: Number(process.env.UNICODE_RUNS ?? 10), examples },
      );
    },
  );
});
