import { defineContext } from '#shared/context/definition';
import { identityRoutes } from './routes';

export const identity = defineContext({
  name: 'identity',
  summary: 'Staff sign-in with a second factor, sessions, sign-in history and devices (P4)',
  routes: identityRoutes,
  api: {
    memoryMb: 1024,
    timeoutSeconds: 15,
    access: ['table', 'jwtSecret'],
    sizing:
      'scrypt is memory-hard (128 MiB per hash) and Lambda CPU scales with memory: 1024 MB keeps sign-in fast; 15 s covers a cold start and a hash',
  },
});
