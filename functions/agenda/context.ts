import { defineContext } from '#shared/context/definition';
import { agendaRoutes } from './routes';

export const agenda = defineContext({
  name: 'agenda',
  summary: 'Agendas, availability, booking without double booking, care episodes, calendar sharing (A1–A5, R2, T1)',
  routes: agendaRoutes,
  api: {
    memoryMb: 512,
    timeoutSeconds: 10,
    access: ['table', 'jwtSecret'],
    sizing: 'I/O-bound (DynamoDB); free-slot search and iCalendar rendering are a few ms of CPU at 512 MB',
  },
});
