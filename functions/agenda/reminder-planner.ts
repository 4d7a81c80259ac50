import type { Lookup, TransactItem } from '#shared/db/table';
import type { StoredAppointment } from './repository';

/**
 * The agenda's port for reminders (decision 0021). Reminders must be planned, re-planned and
 * withdrawn in the same transaction as the agenda change that calls for them, yet the agenda must
 * not depend on the reminders context (which reads appointments and cancels them from a link). So
 * the agenda declares what it needs here and the reminders context implements it; the agenda
 * function's entry (`handler.ts`) wires it, like centres' Caseload.
 *
 * A booking or a move reads what planning needs (rules, the patient's preference) in its own one
 * BatchGetItem through `lookups`; `plan` then gives the items to add to the transaction and the
 * keys of the reminders now planned, which the agenda keeps on the appointment
 * (`plannedReminders`) so that the next change knows what to withdraw without a Query.
 */
export interface ReminderPlanner {
  /** Items to read with the change's own batch read. */
  lookups(centreId: string, patientId: string): readonly Lookup<unknown>[];
  /**
   * The transaction items that bring the reminders of one appointment in step with its new state
   * (`after`; undefined when the appointment is taken back), given its stored state (`before`;
   * undefined for a new booking) and what `lookups` read (empty when the change reads nothing:
   * a cancellation only withdraws).
   */
  plan(
    read: readonly unknown[],
    before: StoredAppointment | undefined,
    after: StoredAppointment | undefined,
  ): { items: TransactItem[]; planned: string[] };
}

/** No reminders (agenda tests that call services directly, tools). */
export const noReminders: ReminderPlanner = {
  lookups: () => [],
  plan: () => ({ items: [], planned: [] }),
};
