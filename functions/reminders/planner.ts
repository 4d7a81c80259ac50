import type { ReminderPlanner, StoredAppointment } from '#contexts/agenda';
import { keys } from '#shared/db/keys';
import type { TransactItem } from '#shared/db/table';
import { remindersFor } from './planning';
import {
  preferencesLookup,
  reminderDelete,
  reminderKey,
  reminderPut,
  reminderWithdraw,
  rulesLookup,
  type StoredPreferences,
} from './repository';
import type { ReminderRules } from './schemas';

const OPEN = new Set(['booked', 'confirmed']);

/**
 * The agenda's ReminderPlanner, implemented (wired in functions/agenda/handler.ts): a booking plans
 * the appointment's reminders, a move withdraws them and plans new ones for the new time, a
 * cancellation withdraws them, a booking taken back deletes them — all in the agenda's own
 * transaction, from the rules and preference read in its own BatchGetItem.
 */
export const reminderPlanner: ReminderPlanner = {
  lookups: (centreId, patientId) => [rulesLookup(centreId), preferencesLookup(centreId, patientId)],

  plan(read, before, after) {
    const now = new Date();
    const old = (before?.plannedReminders ?? []).map((sk) => ({ pk: appointmentPartition(before!), sk }));
    if (!after) return { items: old.map(reminderDelete), planned: [] };
    if (!OPEN.has(after.status) || read.length === 0) {
      const withdraw = OPEN.has(after.status) ? [] : old;
      return {
        items: withdraw.map((key) => reminderWithdraw(key, now.toISOString())),
        planned: OPEN.has(after.status) ? (before?.plannedReminders ?? []) : [],
      };
    }
    const [rules, preferences] = read as [ReminderRules, StoredPreferences | undefined];
    const planned = remindersFor(rules, preferences, after, now);
    const puts = planned.map((r) => ({
      key: reminderKey(after, r.ruleKey),
      item: reminderPut(after, r, now.toISOString()),
    }));
    const kept = new Set(puts.map((p) => p.key.sk));
    const items: TransactItem[] = [
      ...old.filter((key) => !kept.has(key.sk)).map((key) => reminderWithdraw(key, now.toISOString())),
      ...puts.map((p) => p.item),
    ];
    return { items, planned: puts.map((p) => p.key.sk) };
  },
};

const appointmentPartition = (a: StoredAppointment) => keys.appointment(a.centreId, a.appointmentId).pk;
