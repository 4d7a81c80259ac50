import { defineContext } from '#shared/context/definition';
import { platformRoutes } from './routes';

export const platform = defineContext({
  name: 'platform',
  summary: 'Liveness, the OpenAPI document and its reference page; answers unmatched requests (404/405)',
  routes: platformRoutes,
  api: {
    memoryMb: 512,
    timeoutSeconds: 10,
    access: [],
    sizing: 'no data access; 512 MB keeps the OpenAPI generation of a cold start short',
  },
});
