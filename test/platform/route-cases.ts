import type { platformRoutes } from '#functions/platform/routes';
import { type CasesOf, everyone } from '../support/matrix-world';

/** platform: route × caller (test/support/matrix-world.ts). */
export const platformCases: CasesOf<typeof platformRoutes> = {
  health: { request: async () => ({ method: 'GET', url: '/health' }), expect: everyone(200) },
  openapi: { request: async () => ({ method: 'GET', url: '/openapi.json' }), expect: everyone(200) },
  docs: { request: async () => ({ method: 'GET', url: '/docs' }), expect: everyone(200) },
};
