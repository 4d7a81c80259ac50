import type { Actor } from '#shared/access/actor';
import { assertAgendaAccess, authorize, canSeePractitionerPatients } from '#shared/access/policy';
import { auditPut } from '#shared/audit/audit';
import { batchLookup, type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, notFound, ruleViolation } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import type { Origin } from '#shared/origin';
import { appointmentView, chunked, commitAppointments } from './appointments';
import { practitionerZone, recordAgendaRead } from './views';
import {
  appointmentFromItem,
  appointmentPut,
  episodeClose,
  episodeLookup,
  findAppointment,
  isOpen,
  openSessionsBetween,
  openSessionsPage,
  type StoredAppointment,
  type StoredEpisode,
} from './repository';
import { QUOTA_ALERT_PERCENT, usedPercent } from './rules';
import { dayBounds } from './time';

/**
 * Closing sessions: a session that took place is marked done (it consumes its care episode's
 * quota) or no-show (its planned units go back). One session at a time, or a practitioner's whole
 * day in one call. The 80 % alert is set on the episode once, by the close that crosses it.
 */
export const MAX_CLOSE = 90;
const SESSIONS_PER_TRANSACTION = 30;

interface Closing {
  done: string[];
  noShow: string[];
  alerts: { episodeId: string; patientId: string; usedPercent: number }[];
}

async function closeSessions(
  actor: Actor,
  origin: Origin,
  sessions: StoredAppointment[],
  noShowIds: ReadonlySet<string>,
): Promise<Closing> {
  const at = new Date().toISOString();
  const withEpisode = sessions.filter((s) => s.episodeId && s.episodeKind);
  const episodeKeys = [...new Map(withEpisode.map((s) => [s.episodeId!, s])).values()];
  const episodes = new Map<string, StoredEpisode>();
  if (episodeKeys.length) {
    const found = await batchLookup(...episodeKeys.map((s) => episodeLookup(s.centreId, s.patientId, s.episodeId!)));
    for (const e of found) if (e) episodes.set(e.episodeId, e);
  }
  // Each episode's use as the transactions commit: the alert goes with the one that crosses 80 %.
  const used = new Map([...episodes.values()].map((e) => [e.episodeId, { ...e.used }]));
  const alerted = new Set([...episodes.values()].filter((e) => e.alert).map((e) => e.episodeId));
  const result: Closing = { done: [], noShow: [], alerts: [] };
  for (const chunk of chunked(sessions, () => 1, SESSIONS_PER_TRANSACTION)) {
    const items: TransactItem[] = [];
    const perEpisode = new Map<
      string,
      { e: StoredEpisode; done: Record<string, number>; noShow: Record<string, number> }
    >();
    for (const s of chunk) {
      const status = noShowIds.has(s.appointmentId) ? 'no_show' : 'done';
      const after: StoredAppointment = {
        ...s,
        status,
        statusChange: { by: actor.userId, at },
        sequence: s.sequence + 1,
        version: s.version + 1,
        updatedAt: at,
      };
      items.push(appointmentPut(after, s.version));
      items.push(
        auditPut(actor, origin, {
          action: 'appointment.close',
          patientId: s.patientId,
          recordIds: [s.appointmentId],
          fields: ['status'],
        }),
      );
      const e = s.episodeId ? episodes.get(s.episodeId) : undefined;
      if (e && s.episodeKind) {
        const entry = perEpisode.get(e.episodeId) ?? { e, done: {}, noShow: {} };
        const bucket = status === 'done' ? entry.done : entry.noShow;
        bucket[s.episodeKind] = (bucket[s.episodeKind] ?? 0) + s.units;
        perEpisode.set(e.episodeId, entry);
      }
    }
    const crossing: Closing['alerts'] = [];
    for (const { e, done, noShow } of perEpisode.values()) {
      const now = used.get(e.episodeId)!;
      for (const [kind, units] of Object.entries(done)) now[kind] = (now[kind] ?? 0) + units;
      const percent = usedPercent({ granted: e.granted, used: now });
      const alert =
        percent >= QUOTA_ALERT_PERCENT && !alerted.has(e.episodeId) ? { at, usedPercent: percent } : undefined;
      if (alert) {
        alerted.add(e.episodeId);
        crossing.push({ episodeId: e.episodeId, patientId: e.patientId, usedPercent: percent });
      }
      items.push(episodeClose(e, done, noShow, alert));
    }
    try {
      await transactWrite(items);
    } catch (error) {
      if (transactionConditionFailed(error).length)
        throw conflict('version_conflict', 'A session was changed meanwhile: reload and close again', {
          ...(result.done.length + result.noShow.length ? { closed: [...result.done, ...result.noShow] } : {}),
        });
      throw error;
    }
    for (const s of chunk) (noShowIds.has(s.appointmentId) ? result.noShow : result.done).push(s.appointmentId);
    result.alerts.push(...crossing);
  }
  return result;
}

/** Marks one session confirmed (ahead), or done / no-show (once started). */
export async function setAppointmentStatus(
  actor: Actor,
  appointmentId: string,
  input: { version: number; status: 'confirmed' | 'done' | 'no_show' },
  origin: Origin,
) {
  authorize(actor, 'agenda:book');
  const before = await findAppointment(actor.centreId, appointmentId);
  if (!before || !canSeePractitionerPatients(actor, before.practitionerId)) throw notFound('appointment');
  if (before.version !== input.version)
    throw conflict('version_conflict', 'The appointment was changed by someone else: reload and retry', {
      currentVersion: before.version,
    });
  if (!isOpen(before) || (input.status === 'confirmed' && before.status !== 'booked'))
    throw conflict(
      'invalid_transition',
      `A ${before.status.replace('_', '-')} appointment cannot become ${input.status}`,
    );
  if (input.status === 'confirmed') {
    const after: StoredAppointment = {
      ...before,
      status: 'confirmed',
      statusChange: { by: actor.userId, at: new Date().toISOString() },
      sequence: before.sequence + 1,
      version: before.version + 1,
      updatedAt: new Date().toISOString(),
    };
    await commitAppointments(
      [{ appointment: after, expectedVersion: before.version }],
      [],
      auditPut(actor, origin, {
        action: 'appointment.status',
        patientId: before.patientId,
        recordIds: [appointmentId],
        fields: ['status'],
      }),
    );
    return appointmentView(actor, after);
  }
  authorize(actor, 'agenda:close');
  if (Date.parse(before.start) > Date.now())
    throw ruleViolation('not_started', 'A session is closed (done, no-show) once it has started');
  const { alerts } = await closeSessions(
    actor,
    origin,
    [before],
    new Set(input.status === 'no_show' ? [appointmentId] : []),
  );
  const after = await findAppointment(actor.centreId, appointmentId);
  return { ...appointmentView(actor, after!), ...(alerts.length ? { alerts } : {}) };
}

/** Closes a practitioner's started sessions of a local day: done, except those named no-show. */
export async function closeDay(
  actor: Actor,
  practitionerId: string,
  date: string,
  input: { noShowIds?: string[] | undefined },
  origin: Origin,
) {
  authorize(actor, 'agenda:close');
  assertAgendaAccess(actor, practitionerId);
  const { start, end } = dayBounds(date, await practitionerZone(actor, practitionerId));
  const open = await openSessionsBetween(actor.centreId, practitionerId, start, end);
  const now = new Date().toISOString();
  const started = open.filter((s) => s.start <= now);
  const noShowIds = new Set(input.noShowIds ?? []);
  const unknown = [...noShowIds].filter((id) => !started.some((s) => s.appointmentId === id));
  if (unknown.length)
    throw ruleViolation('not_an_open_session', 'Only open sessions of that day that have started can be no-shows', {
      fields: unknown.map((id) => ({
        field: 'body.noShowIds',
        message: `${id} is not an open, started session of the day`,
      })),
    });
  const batch = started.slice(0, MAX_CLOSE);
  const closing = await closeSessions(actor, origin, batch, noShowIds);
  return { ...closing, remaining: open.length - batch.length };
}

/** A practitioner's sessions that started and are neither done nor no-show nor cancelled, oldest first. */
export async function listOpenSessions(
  actor: Actor,
  practitionerId: string,
  query: { limit: number; cursor?: string | undefined },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'agenda:read');
  assertAgendaAccess(actor, practitionerId);
  await practitionerZone(actor, practitionerId);
  const now = new Date().toISOString();
  const page = await cursors.page(
    `open-sessions:${actor.centreId}:${practitionerId}`,
    query.cursor,
    (startKey) => openSessionsPage(actor.centreId, practitionerId, now, query.limit, startKey),
    appointmentFromItem,
  );
  await recordAgendaRead(actor, origin, page.items);
  return { ...page, items: page.items.map((a) => appointmentView(actor, a)) };
}
