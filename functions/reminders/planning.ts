import { DateTime } from 'luxon';
import type { StoredAppointment } from '#contexts/agenda';
import { DEFAULT_PATIENT_TIMING, MAX_REMINDERS_PER_APPOINTMENT } from './defaults';
import type { Channel, ReminderPreferences, ReminderRules, Timing } from './schemas';

/**
 * Which reminders an appointment gets, and when (N1, M9): pure, so that the rules are tested
 * exhaustively (fast-check, across DST) apart from the transaction that writes them.
 */
export interface PlannedReminder {
  /** Which rule asked for it: `c-<ruleId>` (centre), `p-<ruleId>` (practitioner), `patient`. */
  ruleKey: string;
  channel: Channel;
  dueAt: string;
}

/** When a reminder with this timing is due for an appointment starting at `start` (UTC ISO) in `zone`. */
export function dueAtOf(timing: Timing, start: string, zone: string): string {
  const local = DateTime.fromISO(start, { zone });
  if (timing.kind === 'hoursBefore') return local.minus({ hours: timing.hours }).toUTC().toISO()!;
  const [hour, minute] = timing.at.split(':').map(Number) as [number, number];
  // The local day N days before, at HH:MM there (a time the clocks skip moves forward, as luxon does).
  const day = local.startOf('day').minus({ days: timing.days });
  return day.set({ hour, minute }).toUTC().toISO()!;
}

type Appointment = Pick<StoredAppointment, 'start' | 'timeZone' | 'practitionerId' | 'appointmentTypeId'>;

/**
 * The reminders of an appointment as of `now`: the centre's rules (or the practitioner's instead,
 * or both), filtered by appointment type, and the patient's own preference as the centre combines
 * it. Only those still ahead and before the start are planned (an appointment booked late gets
 * the ones left); two of one channel at the same instant are one; at most 6, the earliest kept.
 */
export function remindersFor(
  rules: ReminderRules,
  preferences: Pick<ReminderPreferences, 'timing' | 'channel'> | undefined,
  appointment: Appointment,
  now: Date,
): PlannedReminder[] {
  if (!rules.enabled) return [];
  const own = rules.practitioners[appointment.practitionerId];
  const byType = (r: { appointmentTypeIds?: string[] | undefined }) =>
    !r.appointmentTypeIds?.length || r.appointmentTypeIds.includes(appointment.appointmentTypeId);
  const candidates: { ruleKey: string; channel: Channel; timing: Timing }[] = [];
  if (rules.patientPreference !== 'replace') {
    if (!own?.replaceCentreRules)
      candidates.push(...rules.rules.filter(byType).map((r) => ({ ruleKey: `c-${r.ruleId}`, ...r })));
    candidates.push(...(own?.rules ?? []).filter(byType).map((r) => ({ ruleKey: `p-${r.ruleId}`, ...r })));
  }
  if (rules.patientPreference !== 'ignore')
    candidates.push({
      ruleKey: 'patient',
      channel: preferences?.channel ?? 'sms',
      timing: preferences?.timing ?? DEFAULT_PATIENT_TIMING,
    });
  const nowIso = now.toISOString();
  const seen = new Set<string>();
  const planned: PlannedReminder[] = [];
  for (const c of candidates) {
    const dueAt = dueAtOf(c.timing, appointment.start, appointment.timeZone);
    const key = `${c.channel}@${dueAt}`;
    // Every timing is at least an hour before the start: only those already past are left out.
    if (dueAt <= nowIso || seen.has(key)) continue;
    seen.add(key);
    planned.push({ ruleKey: c.ruleKey, channel: c.channel, dueAt });
  }
  return planned.sort((a, b) => a.dueAt.localeCompare(b.dueAt)).slice(0, MAX_REMINDERS_PER_APPOINTMENT);
}

/** The UTC hour a due instant falls in (its bucket of the due index): `2026-12-02T11`. */
export const bucketOf = (instant: string) => instant.slice(0, 13);

/** Buckets from the one holding `from` to the one holding `to`, both included. */
export function bucketsBetween(from: string, to: string): string[] {
  const buckets: string[] = [];
  const step = 3_600_000;
  let t = Math.floor(Date.parse(from) / step) * step;
  const end = Date.parse(to);
  for (; t <= end; t += step) buckets.push(bucketOf(new Date(t).toISOString()));
  return buckets;
}

export const DUE_SHARDS = 8;

/** Reminders a dispatch claims at once before sending them: what a crash can leave claimed but not sent. */
export const CLAIM_CHUNK = 64;

/** The shard of a reminder in its bucket: spread by a hash of its key (FNV-1a). */
export function shardOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % DUE_SHARDS;
}
