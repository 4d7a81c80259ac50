import { bearerAuthentication, cursorKey } from '#contexts/identity';
import { reminderPlanner } from '#contexts/reminders';
import { createHttpHandler } from '#shared/http/pipeline';
import {
  cancelAppointment,
  createAppointment,
  getAppointment,
  moveAppointment,
  updateAppointment,
} from './appointments';
import {
  createAppointmentType,
  createCentreEvent,
  deleteCentreEvent,
  getOnlineBooking,
  getPractitionerHours,
  listAppointmentTypes,
  listCentreEvents,
  listFreeSlots,
  updateOnlineBooking,
  updatePractitionerHours,
} from './availability';
import { closeDay, listOpenSessions, setAppointmentStatus } from './closing';
import { createCareEpisode, getCareEpisode, listCareEpisodes } from './episodes';
import { agendaRoutes } from './routes';
import {
  apiBaseUrl,
  createCalendarFeed,
  createPlanningLink,
  getCalendar,
  getPlanning,
  listCalendarFeeds,
  revokeCalendarFeed,
} from './sharing';
import { getCentreDay, getPractitionerAgenda, listPatientAppointments } from './views';

/**
 * The agenda function. Its composition root: reminders are planned in the agenda's own transactions
 * through the ReminderPlanner port (functions/agenda/reminder-planner.ts), implemented by the
 * reminders context and wired here.
 */
export const handler = createHttpHandler(
  agendaRoutes,
  { authenticators: { staff: bearerAuthentication }, cursorKey },
  {
    listAppointmentTypes: ({ principal, query, cursors }) => listAppointmentTypes(principal, query, cursors),
    createAppointmentType: ({ principal, body }) => createAppointmentType(principal, body),
    getPractitionerHours: ({ principal, params }) => getPractitionerHours(principal, params.practitionerId),
    updatePractitionerHours: ({ principal, params, body }) =>
      updatePractitionerHours(principal, params.practitionerId, body),
    getOnlineBooking: ({ principal }) => getOnlineBooking(principal),
    updateOnlineBooking: ({ principal, body }) => updateOnlineBooking(principal, body),
    listCentreEvents: ({ principal, query }) => listCentreEvents(principal, query),
    createCentreEvent: ({ principal, body }) => createCentreEvent(principal, body),
    deleteCentreEvent: ({ principal, params }) => deleteCentreEvent(principal, params.eventId),
    createAppointment: ({ principal, body, origin }) => createAppointment(principal, body, origin, reminderPlanner),
    getAppointment: ({ principal, params, origin }) => getAppointment(principal, params.appointmentId, origin),
    updateAppointment: ({ principal, params, body, origin }) =>
      updateAppointment(principal, params.appointmentId, body, origin),
    moveAppointment: ({ principal, params, body, origin }) =>
      moveAppointment(principal, params.appointmentId, body, origin, reminderPlanner),
    cancelAppointment: ({ principal, params, body, origin }) =>
      cancelAppointment(principal, params.appointmentId, body, origin, reminderPlanner),
    setAppointmentStatus: ({ principal, params, body, origin }) =>
      setAppointmentStatus(principal, params.appointmentId, body, origin),
    getPractitionerAgenda: ({ principal, params, query, origin }) =>
      getPractitionerAgenda(principal, params.practitionerId, query, origin),
    getCentreDay: ({ principal, params, query, origin, cursors }) =>
      getCentreDay(principal, params.date, query, origin, cursors),
    listPatientAppointments: ({ principal, params, query, origin, cursors }) =>
      listPatientAppointments(principal, params.patientId, query, origin, cursors),
    listOpenSessions: ({ principal, params, query, origin, cursors }) =>
      listOpenSessions(principal, params.practitionerId, query, origin, cursors),
    closeDay: ({ principal, params, body, origin }) =>
      closeDay(principal, params.practitionerId, params.date, body, origin),
    listFreeSlots: ({ principal, params, query }) => listFreeSlots(principal, params.practitionerId, query),
    createCareEpisode: ({ principal, params, body, origin }) =>
      createCareEpisode(principal, params.patientId, body, origin),
    listCareEpisodes: ({ principal, params, query, origin, cursors }) =>
      listCareEpisodes(principal, params.patientId, query, origin, cursors),
    getCareEpisode: ({ principal, params, origin }) =>
      getCareEpisode(principal, params.patientId, params.episodeId, origin),
    createCalendarFeed: ({ principal, params, headers, origin }) =>
      createCalendarFeed(principal, params.practitionerId, apiBaseUrl(headers), origin),
    listCalendarFeeds: ({ principal, params, query, cursors }) =>
      listCalendarFeeds(principal, params.practitionerId, query, cursors),
    revokeCalendarFeed: ({ principal, params }) => revokeCalendarFeed(principal, params.practitionerId, params.linkId),
    createPlanningLink: ({ principal, params, headers, origin }) =>
      createPlanningLink(principal, params.patientId, apiBaseUrl(headers), origin),
    getCalendar: ({ params, origin }) => getCalendar(params.token, origin),
    getPlanning: ({ params, origin }) => getPlanning(params.token, origin),
  },
);
