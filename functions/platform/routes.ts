import * as z from 'zod';
import { defineRoutes } from '#shared/http/operation';

const publicCache = { 'cache-control': 'public, max-age=300' };

/** Platform: liveness, the OpenAPI document and its reference page (public, no data). */
export const platformRoutes = defineRoutes([
  {
    operationId: 'health',
    method: 'GET',
    path: '/health',
    auth: 'public',
    summary: 'Liveness probe',
    budget: {},
    response: z.object({ status: z.literal('ok'), stage: z.string(), time: z.iso.datetime() }),
  },
  {
    operationId: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    auth: 'public',
    summary: 'OpenAPI 3.1 document',
    budget: {},
    response: z.record(z.string(), z.unknown()).describe('This document'),
    headers: publicCache,
  },
  {
    operationId: 'docs',
    method: 'GET',
    path: '/docs',
    auth: 'public',
    summary: 'API reference page',
    budget: {},
    produces: 'text/html; charset=utf-8',
    headers: {
      ...publicCache,
      'content-security-policy':
        "default-src 'self' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src https://fonts.gstatic.com https://cdn.jsdelivr.net; script-src 'self' https://cdn.jsdelivr.net; connect-src 'self'; img-src 'self' data: https:",
    },
  },
]);
