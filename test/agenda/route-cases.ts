import { createCentreEvent } from '#functions/agenda/availability';
import type { agendaRoutes } from '#functions/agenda/routes';
import { createCalendarFeed, createPlanningLink } from '#functions/agenda/sharing';
import { type CasesOf, everyone, managersOnly, matrixWorld as world, roles, staffOnly } from '../support/matrix-world';
import { origin } from '../support/world';
import { book, freshSlot, mondayAhead, newEpisode, newType } from './fixtures';

/**
 * agenda: route × caller (test/support/matrix-world.ts). The secretary serves the first
 * practitioner; the other practitioner sees neither their agenda (403) nor their patient (404).
 */
let typeId: string | undefined;
let episodeId: string | undefined;
async function appointmentType() {
  typeId ??= (await newType(world().centre.manager.actor)).appointmentTypeId;
  return typeId;
}
async function episode() {
  const w = world().centre;
  episodeId ??= (await newEpisode(w.practitioner.actor, w.patientId)).episodeId;
  return episodeId;
}
async function freshAppointment() {
  const w = world().centre;
  return book(w.practitioner.actor, {
    practitionerId: w.practitioner.userId,
    patientId: w.patientId,
    appointmentTypeId: await appointmentType(),
  });
}
const practitioner = () => world().centre.practitioner.userId;
/** Own agenda and served ones; another practitioner's is 403; another centre's practitioner 404. */
const agendaRoles = (status: number) =>
  roles({ manager: status, practitioner: status, otherPractitioner: 403, secretary: status, foreignManager: 404 });
/** An appointment or patient of the first practitioner: others do not see it (404). */
const fileRoles = (status: number) =>
  roles({ manager: status, practitioner: status, otherPractitioner: 404, secretary: status, foreignManager: 404 });
/** The practitioner's own (or a manager's doing): secretaries and colleagues 403. */
const ownerRoles = (status: number) =>
  roles({ manager: status, practitioner: status, otherPractitioner: 403, secretary: 403, foreignManager: 404 });

export const agendaCases: CasesOf<typeof agendaRoutes> = {
  listAppointmentTypes: {
    request: async () => ({ method: 'GET', url: '/agenda/appointment-types' }),
    expect: staffOnly(200),
  },
  createAppointmentType: {
    request: async () => ({
      method: 'POST',
      url: '/agenda/appointment-types',
      body: { name: 'Bilan 60′', durationMinutes: 60, episodeKind: 'individual-30', episodeUnits: 2 },
    }),
    expect: managersOnly(201, 201),
  },
  getPractitionerHours: {
    request: async () => ({ method: 'GET', url: `/agenda/practitioners/${practitioner()}/hours` }),
    expect: roles({ manager: 200, practitioner: 200, otherPractitioner: 200, secretary: 200, foreignManager: 404 }),
  },
  updatePractitionerHours: {
    request: async () => ({
      method: 'PUT',
      url: `/agenda/practitioners/${practitioner()}/hours`,
      body: { hours: [], slotMinutes: 15 },
    }),
    expect: ownerRoles(200),
  },
  getOnlineBooking: {
    request: async () => ({ method: 'GET', url: '/agenda/online-booking' }),
    expect: staffOnly(200),
  },
  updateOnlineBooking: {
    request: async () => ({
      method: 'PUT',
      url: '/agenda/online-booking',
      body: { enabled: true, practitionerIds: [], appointmentTypeIds: [], horizonDays: 30, minNoticeHours: 24 },
    }),
    expect: managersOnly(200, 200),
  },
  listCentreEvents: {
    request: async () => ({ method: 'GET', url: `/agenda/events?from=${mondayAhead(3)}&days=7` }),
    expect: staffOnly(200),
  },
  createCentreEvent: {
    request: async () => ({
      method: 'POST',
      url: '/agenda/events',
      body: {
        kind: 'meeting',
        title: 'Réunion d’équipe',
        start: `${mondayAhead(3)}T12:00`,
        end: `${mondayAhead(3)}T13:00`,
      },
    }),
    expect: managersOnly(201, 201),
  },
  deleteCentreEvent: {
    request: async () => {
      const event = await createCentreEvent(world().centre.manager.actor, {
        kind: 'news',
        title: 'Nouvelle salle',
        start: `${mondayAhead(3)}T08:00`,
        end: `${mondayAhead(3)}T09:00`,
      });
      return { method: 'DELETE', url: `/agenda/events/${event.eventId}` };
    },
    expect: managersOnly(204, 404),
  },
  createAppointment: {
    request: async () => ({
      method: 'POST',
      url: '/appointments',
      body: {
        practitionerId: practitioner(),
        patientId: world().centre.patientId,
        appointmentTypeId: await appointmentType(),
        start: freshSlot(),
      },
    }),
    expect: roles({ manager: 201, practitioner: 201, otherPractitioner: 403, secretary: 201, foreignManager: 404 }),
  },
  getAppointment: {
    request: async () => ({ method: 'GET', url: `/appointments/${(await freshAppointment()).appointmentId}` }),
    expect: fileRoles(200),
  },
  updateAppointment: {
    request: async () => ({
      method: 'PATCH',
      url: `/appointments/${(await freshAppointment()).appointmentId}`,
      body: { version: 1, videoLink: 'https://meet.example.test/room-1' },
    }),
    expect: fileRoles(200),
  },
  moveAppointment: {
    request: async () => ({
      method: 'POST',
      url: `/appointments/${(await freshAppointment()).appointmentId}/move`,
      body: { version: 1, start: freshSlot() },
    }),
    expect: fileRoles(200),
  },
  cancelAppointment: {
    request: async () => ({
      method: 'POST',
      url: `/appointments/${(await freshAppointment()).appointmentId}/cancel`,
      body: { version: 1, reason: 'Patient malade' },
    }),
    expect: fileRoles(200),
  },
  setAppointmentStatus: {
    request: async () => ({
      method: 'POST',
      url: `/appointments/${(await freshAppointment()).appointmentId}/status`,
      body: { version: 1, status: 'confirmed' },
    }),
    expect: fileRoles(200),
  },
  getPractitionerAgenda: {
    request: async () => {
      await freshAppointment();
      return {
        method: 'GET',
        url: `/agenda/practitioners/${practitioner()}/appointments?from=${mondayAhead(3)}&days=7`,
      };
    },
    expect: agendaRoles(200),
  },
  getCentreDay: {
    request: async () => ({ method: 'GET', url: `/agenda/days/${mondayAhead(3)}` }),
    expect: staffOnly(200),
  },
  listPatientAppointments: {
    request: async () => ({ method: 'GET', url: `/agenda/patients/${world().centre.patientId}/appointments` }),
    expect: fileRoles(200),
  },
  listOpenSessions: {
    request: async () => ({ method: 'GET', url: `/agenda/practitioners/${practitioner()}/open-sessions` }),
    expect: agendaRoles(200),
  },
  closeDay: {
    request: async () => ({
      method: 'POST',
      url: `/agenda/practitioners/${practitioner()}/days/2026-01-05/close`,
      body: {},
    }),
    expect: ownerRoles(200),
  },
  listFreeSlots: {
    request: async () => ({
      method: 'GET',
      url: `/agenda/practitioners/${practitioner()}/free-slots?appointmentTypeId=${await appointmentType()}&from=${mondayAhead(3)}&days=7`,
    }),
    expect: agendaRoles(200),
  },
  createCareEpisode: {
    request: async () => ({
      method: 'POST',
      url: `/agenda/patients/${world().centre.patientId}/care-episodes`,
      body: {
        prescriptionDate: '2026-11-20',
        grants: [{ kind: 'individual-30', sessions: 18 }],
        expiresOn: '2027-11-19',
      },
    }),
    expect: fileRoles(201),
  },
  listCareEpisodes: {
    request: async () => ({ method: 'GET', url: `/agenda/patients/${world().centre.patientId}/care-episodes` }),
    expect: fileRoles(200),
  },
  getCareEpisode: {
    request: async () => ({
      method: 'GET',
      url: `/agenda/patients/${world().centre.patientId}/care-episodes/${await episode()}`,
    }),
    expect: fileRoles(200),
  },
  createCalendarFeed: {
    request: async () => ({ method: 'POST', url: `/agenda/practitioners/${practitioner()}/calendar-feeds` }),
    expect: ownerRoles(201),
  },
  listCalendarFeeds: {
    request: async () => ({ method: 'GET', url: `/agenda/practitioners/${practitioner()}/calendar-feeds` }),
    expect: ownerRoles(200),
  },
  revokeCalendarFeed: {
    request: async () => {
      const feed = await createCalendarFeed(
        world().centre.practitioner.actor,
        practitioner(),
        'http://localhost',
        origin,
      );
      return { method: 'DELETE', url: `/agenda/practitioners/${practitioner()}/calendar-feeds/${feed.linkId}` };
    },
    expect: ownerRoles(204),
  },
  createPlanningLink: {
    request: async () => ({ method: 'POST', url: `/agenda/patients/${world().centre.patientId}/planning-links` }),
    expect: fileRoles(201),
  },
  getCalendar: {
    request: async () => {
      await freshAppointment();
      const feed = await createCalendarFeed(
        world().centre.practitioner.actor,
        practitioner(),
        'http://localhost',
        origin,
      );
      return { method: 'GET', url: new URL(feed.url).pathname };
    },
    expect: everyone(200),
  },
  getPlanning: {
    request: async () => {
      const link = await createPlanningLink(
        world().centre.practitioner.actor,
        world().centre.patientId,
        'http://localhost',
        origin,
      );
      return { method: 'GET', url: new URL(link.url).pathname.replace('calendar.ics', 'planning.html') };
    },
    expect: everyone(200),
  },
};
