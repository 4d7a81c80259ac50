import type { z } from 'zod';
import type { Budget } from '#shared/db/budget';
import type { Cursors } from '#shared/http/cursor';
import type { Origin } from '#shared/origin';

/**
 * How a context declares one HTTP operation: where it lives (method, path), who may call it (the
 * authentication kind), what it costs (DynamoDB budget), what it takes and answers (the zod
 * schemas the pipeline validates with and the OpenAPI document shows) and which error statuses
 * it may answer besides the ones every route of its kind can. Schemas only: a context's route
 * module imports zod and its schemas, never its services, so the edge can load every context's
 * routes (OpenAPI, CDK, the local adapter) without loading their code.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * - `public`: no credentials;
 * - `staff`: a staff access token (`Authorization: Bearer`);
 * - `patient`: a patient portal session token;
 * - `webhook`: a payment or messaging provider's signature over the exact raw body, no token.
 * A function supplies one authenticator per kind it serves (shared/http/pipeline.ts).
 */
export const authKinds = ['public', 'staff', 'patient', 'webhook'] as const;
export type AuthKind = (typeof authKinds)[number];

/** Statuses an operation's own rules may answer (the pipeline's own are added to every route). */
export type DomainStatus = 401 | 403 | 404 | 409 | 422 | 429;

export interface OperationSpec {
  operationId: string;
  method: HttpMethod;
  /** API Gateway path, `{name}` for one path segment. */
  path: string;
  auth: AuthKind;
  summary: string;
  /** Most DynamoDB requests one call may make. */
  budget: Budget;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success body; none for 204. */
  response?: z.ZodType;
  successStatus?: 200 | 201 | 202 | 204;
  /** Content type of a non-JSON success body (e.g. text/html). */
  produces?: string;
  /** Fixed headers of the success answer (caching, content security policy). */
  headers?: Record<string, string>;
  /** What each status the operation's own rules answer means (documented in OpenAPI). */
  errors?: Partial<Record<DomainStatus, string>>;
}

/** A context's operations, literal types kept so handlers are checked against them. */
export function defineRoutes<const T extends readonly OperationSpec[]>(operations: T): T {
  return operations;
}

/** API Gateway v2 route key, e.g. `GET /patients/{patientId}`. */
export const routeKey = (r: Pick<OperationSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** API Gateway's catch-all route key: requests matching no route (404/405 answered by `platform`). */
export const FALLBACK_ROUTE_KEY = '$default';

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;
type ResponseOf<O extends OperationSpec> = O['produces'] extends string
  ? string
  : O['response'] extends z.ZodType
    ? z.input<O['response']>
    : void;

/** What the pipeline hands an operation: validated input, the caller, where the call comes from. */
export interface OperationInput<O extends OperationSpec, Principal> {
  params: Infer<O['params']>;
  query: Infer<O['query']>;
  body: Infer<O['body']>;
  headers: Readonly<Record<string, string | undefined>>;
  /** Who calls, as proven by the authenticator of the route's kind (undefined for public routes). */
  principal: Principal;
  origin: Origin;
  /** Signs and checks pagination cursors (key passed to the pipeline by the function). */
  cursors: Cursors;
}

/** The principal each authentication kind yields, as the function's authenticators decide. */
export type PrincipalsOf<A> = {
  [K in AuthKind]: K extends 'public'
    ? undefined
    : A extends { [P in K]: (...args: never[]) => Promise<infer R> }
      ? R
      : never;
};

/** One function per operation id, returning the success body (typed by the response schema). */
export type Implementation<T extends readonly OperationSpec[], A> = {
  [O in T[number] as O['operationId']]: (
    input: OperationInput<O, PrincipalsOf<A>[O['auth']]>,
  ) => Promise<ResponseOf<O>>;
};
