import type { z } from 'zod';
import type { FunctionName, OperationId, routes } from '#shared/http/routes';
import type { Actor } from '#shared/identity/actor';

/**
 * The schema-only contract of one operation: what the handler validates and what the OpenAPI
 * document shows. Contracts import zod only, so the docs function can load every context's
 * contract without loading its services.
 */
export interface OperationContract {
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  successStatus?: number;
  /** Content type of a non-JSON success response (e.g. text/html). */
  produces?: string;
}

type RouteOf<F extends FunctionName> = Extract<(typeof routes)[number], { function: F }>;
export type OperationIdOf<F extends FunctionName> = RouteOf<F>['operationId'];

export type ContractFor<F extends FunctionName> = { [K in OperationIdOf<F>]: OperationContract };

export interface RequestMeta {
  requestId: string;
  sourceIp: string;
  userAgent: string;
  path: string;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationInput<C extends OperationContract, Authenticated extends boolean> {
  params: Infer<C['params']>;
  query: Infer<C['query']>;
  body: Infer<C['body']>;
  headers: Record<string, string | undefined>;
  meta: RequestMeta;
  actor: Authenticated extends true ? Actor : undefined;
}

export interface HttpResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type IsStaff<F extends FunctionName, K extends OperationIdOf<F>> = Extract<
  RouteOf<F>,
  { operationId: K }
>['auth'] extends 'staff'
  ? true
  : false;

export type Implementation<F extends FunctionName, C extends ContractFor<F>> = {
  [K in OperationIdOf<F>]: (input: OperationInput<C[K], IsStaff<F, K>>) => Promise<HttpResult>;
};

export type { OperationId };
