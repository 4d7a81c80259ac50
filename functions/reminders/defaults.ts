import type { ReminderRules, Timing } from './schemas';

/**
 * The reminders' defaults, apart from their schemas: the agenda's function plans reminders with
 * them (planner.ts, planning.ts) and must not bundle the texts and their validation (decision 0007).
 */
/** The most reminders one appointment gets (rules of the centre and practitioner, and the patient's own). */
export const MAX_REMINDERS_PER_APPOINTMENT = 6;

export const DEFAULT_PATIENT_TIMING: Timing = { kind: 'daysBefore', days: 1, at: '12:00' };

/** What a centre starts with: the patient's own preference (default 1 day before at 12:00) only. */
export const DEFAULT_RULES: ReminderRules = {
  enabled: true,
  rules: [],
  practitioners: {},
  patientPreference: 'add',
  templates: {},
  sms: { monthlyCap: 500, perPhoneDailyLimit: 3 },
  catchUp: { minLeadMinutes: 60 },
  version: 0,
};
