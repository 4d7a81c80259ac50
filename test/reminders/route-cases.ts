import { newType } from '../agenda/fixtures';
import type { remindersRoutes } from '#functions/reminders/routes';
import { type CasesOf, everyone, managersOnly, matrixWorld as world, roles, staffOnly } from '../support/matrix-world';
import { bookWithReminders, sentReminder, setReminderRules } from './fixtures';

/**
 * reminders: route × caller (test/support/matrix-world.ts). Rules are the centre's (managers
 * change them; a practitioner their own); a patient's preferences and messages follow the patient
 * file's visibility; the links in reminders are public (their token is the credential).
 */
let typeId: string | undefined;
async function appointmentType() {
  typeId ??= (await newType(world().centre.manager.actor, { name: 'Séance rappel' })).appointmentTypeId;
  return typeId;
}
const booking = async () => ({
  practitionerId: world().centre.practitioner.userId,
  patientId: world().centre.patientId,
  appointmentTypeId: await appointmentType(),
});
/**
 * A reminder of the matrix centre, sent: its link's token. The rules are reset first, as the junk
 * property may have left them disabled, replaced or capped by a near-valid change of its own.
 */
async function sentLink() {
  await setReminderRules(world().centre.manager.actor, { practitioners: {} });
  return (await sentReminder(world().centre.practitioner.actor, await booking())).token;
}
const fileRoles = (status: number) =>
  roles({ manager: status, practitioner: status, otherPractitioner: 404, secretary: status, foreignManager: 404 });
const rulesBody = (version: number) => ({
  version,
  enabled: true,
  rules: [{ channel: 'email', timing: { kind: 'daysBefore', days: 2, at: '18:00' } }],
  patientPreference: 'add',
  sms: { monthlyCap: 500, perPhoneDailyLimit: 3 },
  catchUp: { minLeadMinutes: 60 },
});

export const remindersCases: CasesOf<typeof remindersRoutes> = {
  listReminderRules: {
    request: async () => ({ method: 'GET', url: '/reminders/rules' }),
    expect: staffOnly(200),
  },
  updateReminderRules: {
    // The version sent is the one stored (each centre's own): a manager's change always lands.
    request: async (who) => {
      const { listReminderRules } = await import('#functions/reminders/service');
      const actor = who === 'foreignManager' ? world().foreign.manager.actor : world().centre.manager.actor;
      const current = await listReminderRules(actor);
      return { method: 'PUT', url: '/reminders/rules', body: rulesBody(current.version) };
    },
    expect: managersOnly(200, 200),
  },
  updatePractitionerReminderRules: {
    request: async (who) => {
      const { listReminderRules } = await import('#functions/reminders/service');
      const actor = who === 'foreignManager' ? world().foreign.manager.actor : world().centre.manager.actor;
      const current = await listReminderRules(actor);
      return {
        method: 'PUT',
        url: `/reminders/rules/practitioners/${world().centre.practitioner.userId}`,
        body: {
          version: current.version,
          rules: [{ channel: 'sms', timing: { kind: 'hoursBefore', hours: 3 } }],
          replaceCentreRules: false,
        },
      };
    },
    // A practitioner sets their own; colleagues and secretaries may not; another centre's manager
    // names a practitioner who is not one of theirs (422: not an active practitioner of the centre).
    expect: roles({ manager: 200, practitioner: 200, otherPractitioner: 403, secretary: 403, foreignManager: 422 }),
  },
  previewReminder: {
    request: async () => ({ method: 'GET', url: '/reminders/preview?locale=fr-BE&channel=sms' }),
    expect: staffOnly(200),
  },
  listMessageNotices: {
    request: async () => ({ method: 'GET', url: '/reminders/notices' }),
    expect: managersOnly(200, 200),
  },
  getReminderPreferences: {
    request: async () => ({ method: 'GET', url: `/patients/${world().centre.patientId}/reminder-preferences` }),
    expect: fileRoles(200),
  },
  updateReminderPreferences: {
    request: async (who) => {
      const { getReminderPreferences } = await import('#functions/reminders/service');
      const { origin } = await import('../support/world');
      const current = await getReminderPreferences(world().centre.manager.actor, world().centre.patientId, origin);
      void who;
      return {
        method: 'PUT',
        url: `/patients/${world().centre.patientId}/reminder-preferences`,
        body: {
          version: current.version,
          timing: { kind: 'daysBefore', days: 1, at: '12:00' },
          channel: 'sms',
          optOut: { sms: false, email: false },
        },
      };
    },
    expect: fileRoles(200),
  },
  listPatientMessages: {
    request: async () => ({ method: 'GET', url: `/patients/${world().centre.patientId}/messages` }),
    expect: fileRoles(200),
  },
  listAppointmentMessages: {
    request: async () => {
      const a = await bookWithReminders(world().centre.practitioner.actor, await booking());
      return { method: 'GET', url: `/appointments/${a.appointmentId}/messages` };
    },
    expect: fileRoles(200),
  },
  openReminderLink: {
    request: async () => {
      const token = await sentLink();
      return { method: 'GET', url: `/r/${token}?a=confirm` };
    },
    expect: everyone(200),
  },
  confirmFromReminder: {
    request: async () => {
      const token = await sentLink();
      return { method: 'POST', url: `/r/${token}/confirm` };
    },
    expect: everyone(200),
  },
  cancelFromReminder: {
    request: async () => {
      const token = await sentLink();
      return { method: 'POST', url: `/r/${token}/cancel` };
    },
    expect: everyone(200),
  },
};
