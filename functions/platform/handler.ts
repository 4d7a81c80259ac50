import { config } from '#shared/config';
import { createHttpHandler } from '#shared/http/handler';
import { docsPage, openApiDocument } from '#shared/http/openapi';
import { platformContract } from '#shared/platform/contract';

/** Health, OpenAPI document and reference page: public, no data access. */
export const handler = createHttpHandler('platform', platformContract, {
  health: async () => ({ body: { status: 'ok', stage: config.stage, time: new Date().toISOString() } }),
  openapi: async () => ({ body: openApiDocument(), headers: { 'cache-control': 'public, max-age=300' } }),
  docs: async () => ({
    body: docsPage,
    headers: {
      'cache-control': 'public, max-age=300',
      'content-security-policy':
        "default-src 'self' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src https://fonts.gstatic.com https://cdn.jsdelivr.net; script-src 'self' https://cdn.jsdelivr.net; connect-src 'self'; img-src 'self' data: https:",
    },
  }),
});
