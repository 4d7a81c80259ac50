import { defineContext } from '#shared/context/definition';
import { centresRoutes } from './routes';

export const centres = defineContext({
  name: 'centres',
  summary: 'Sign-up, centre profile, staff and their rights, invitations, licences (P1, P2, P3)',
  routes: centresRoutes,
  api: {
    memoryMb: 1024,
    timeoutSeconds: 15,
    access: ['table', 'jwtSecret'],
    sendsEmail: true,
    sizing:
      'sign-up and joining by invitation hash or check a password with scrypt (128 MiB, CPU-bound): 1024 MB like identity; 15 s covers a cold start and a hash',
  },
});
