import { type Handlers, invoke, loadHandlers } from '../../scripts/local/http-adapter';

/**
 * Calls the API through the local adapter (route matching, API Gateway v2 event, the deployed
 * handler), without a socket.
 */
let handlers: Handlers | undefined;

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  sourceIp?: string;
}

export async function call<T = any>(method: string, url: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  handlers ??= await loadHandlers();
  const body =
    options.rawBody !== undefined
      ? Buffer.from(options.rawBody)
      : options.body !== undefined
        ? Buffer.from(JSON.stringify(options.body))
        : Buffer.alloc(0);
  const result = await invoke(handlers, {
    method,
    url,
    headers: {
      'user-agent': 'centrum-tests',
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body,
    sourceIp: options.sourceIp ?? '198.51.100.7',
  });
  const text = result.body ?? '';
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (e.g. the docs page)
  }
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: parsed as T,
    text,
  };
}

/**
 * A `fetch` that serves requests through the local adapter (no socket), for clients that take one:
 * the typed client of client/index.ts in the tests.
 */
export async function adapterFetch(request: Request): Promise<Response> {
  handlers ??= await loadHandlers();
  const url = new URL(request.url);
  const result = await invoke(handlers, {
    method: request.method,
    url: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(request.headers.entries()),
    body: Buffer.from(await request.arrayBuffer()),
    sourceIp: '198.51.100.8',
  });
  const status = result.statusCode ?? 200;
  return new Response(status === 204 ? null : (result.body ?? null), {
    status,
    headers: (result.headers ?? {}) as Record<string, string>,
  });
}
