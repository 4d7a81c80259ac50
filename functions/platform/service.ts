import { config } from '#shared/config';
import { type DocumentedContext, docsPage, openApiDocument } from '#shared/http/openapi';

/** Platform: liveness, the OpenAPI document of the contexts it is given, its reference page. */
export const health = async () => ({ status: 'ok' as const, stage: config.stage, time: new Date().toISOString() });

export const openapi = async (contexts: readonly DocumentedContext[]) => openApiDocument(contexts);

export const docs = async () => docsPage;
