import { defineContext } from '#shared/context/definition';
import { patientsRoutes } from './routes';

export const patients = defineContext({
  name: 'patients',
  summary: 'Patient files, search, transfer between practitioners, audit trail (R1, R4, P5)',
  routes: patientsRoutes,
  api: {
    memoryMb: 512,
    timeoutSeconds: 10,
    access: ['table', 'jwtSecret', 'documents'],
    sizing: 'I/O-bound (DynamoDB, S3): 512 MB is the usual price/latency sweet spot',
  },
});
