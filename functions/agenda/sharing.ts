import { type Centre, centreLookup, membershipLookup } from '#contexts/centres';
import { patientLookup } from '#contexts/patients';
import type { Actor } from '#shared/access/actor';
import { assertPatientVisible, authorize } from '#shared/access/policy';
import { type AuditActor, auditPut, recordRead } from '#shared/audit/audit';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { batchLookup, getItem, queryPage, transactWrite } from '#shared/db/table';
import { forbidden, notFound } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import { hashToken, newOpaqueToken } from '#shared/opaque-token';
import { escapeHtml } from '#shared/http/html';
import type { Origin } from '#shared/origin';
import { renderCalendar, type CalendarEntry } from './ical';
import {
  appointmentFromItem,
  calendarLinkFromItem,
  calendarLinksPage,
  findCalendarLinkByToken,
  practitionerAppointments,
  type StoredAppointment,
  type StoredCalendarLink,
} from './repository';
import type { CalendarLink } from './schemas';

/**
 * Sharing an agenda (A5). A practitioner's iCalendar feed is a private, revocable address: it shows
 * the practitioner's sessions (type, place, status, video link) but no patient identity — a feed
 * ends up in third-party calendar services, outside the health-data perimeter. A patient's planning
 * link shows that patient's own appointments (practitioner, place, time), expires after 90 days and
 * each read is recorded in the patient's trail. Only the SHA-256 of a link's token is stored.
 */
const PLANNING_LINK_DAYS = 90;
const FEED_PAST_DAYS = 30;
const FEED_AHEAD_DAYS = 180;

/** The API's own address, from the request (API Gateway's Host header). */
export function apiBaseUrl(headers: Readonly<Record<string, string | undefined>>) {
  const host = headers.host ?? 'localhost';
  const local = /^(localhost|127\.|\[::1\])/.test(host);
  return `${local ? 'http' : 'https'}://${host}`;
}

const calendarUrl = (base: string, token: string) => `${base}/calendar/${token}/calendar.ics`;

function linkView(link: StoredCalendarLink): CalendarLink {
  const { centreId, tokenHash, ...view } = link;
  return view;
}

async function createLink(
  actor: Actor,
  kind: CalendarLink['kind'],
  ownerId: string,
  base: string,
  origin: Origin,
  patientId?: string,
) {
  const token = newOpaqueToken();
  const now = new Date();
  const expiresAt =
    kind === 'patient' ? new Date(now.getTime() + PLANNING_LINK_DAYS * 86_400_000).toISOString() : undefined;
  const link: StoredCalendarLink = {
    linkId: newId(),
    kind,
    ownerId,
    centreId: actor.centreId,
    tokenHash: hashToken(token),
    createdAt: now.toISOString(),
    createdBy: actor.userId,
    ...(expiresAt ? { expiresAt } : {}),
  };
  const ttl = expiresAt ? { ttl: Math.floor(Date.parse(expiresAt) / 1000) + 86_400 } : {};
  await transactWrite([
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.calendarLink(link.tokenHash),
          entity: 'CalendarLink',
          ...link,
          createdByRole: actor.role,
          ...ttl,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.calendarLinkOfOwner(actor.centreId, ownerId, link.linkId),
          entity: 'CalendarLinkOfOwner',
          ...link,
          ...ttl,
        },
      },
    },
    ...(patientId ? [auditPut(actor, origin, { action: 'calendar.share', patientId, recordIds: [link.linkId] })] : []),
  ]);
  return { ...linkView(link), url: calendarUrl(base, token) };
}

/** The practitioner's own feed, or a manager's for a practitioner. */
function assertFeedOwner(actor: Actor, practitionerId: string) {
  authorize(actor, 'calendar:share');
  if (actor.role !== 'manager' && actor.userId !== practitionerId)
    throw forbidden('A calendar feed is the practitioner’s own', 'not_your_agenda');
}

export async function createCalendarFeed(actor: Actor, practitionerId: string, base: string, origin: Origin) {
  assertFeedOwner(actor, practitionerId);
  const [member] = await batchLookup(membershipLookup(actor.centreId, practitionerId));
  if (member?.role !== 'practitioner') throw notFound('practitioner');
  return createLink(actor, 'practitioner', practitionerId, base, origin);
}

export async function listCalendarFeeds(
  actor: Actor,
  practitionerId: string,
  query: { limit: number; cursor?: string | undefined },
  cursors: Cursors,
) {
  assertFeedOwner(actor, practitionerId);
  const [member] = await batchLookup(membershipLookup(actor.centreId, practitionerId));
  if (member?.role !== 'practitioner') throw notFound('practitioner');
  return cursors.page(
    `calendar-feeds:${actor.centreId}:${practitionerId}`,
    query.cursor,
    (startKey) => calendarLinksPage(actor.centreId, practitionerId, query.limit, startKey),
    (item) => linkView(calendarLinkFromItem(item)),
  );
}

/** Revoking deletes the token's item: the address answers 404 from then on. */
export async function revokeCalendarFeed(actor: Actor, practitionerId: string, linkId: string) {
  assertFeedOwner(actor, practitionerId);
  const item = await getItem(keys.calendarLinkOfOwner(actor.centreId, practitionerId, linkId), true);
  if (!item) throw notFound('calendar_feed');
  const link = calendarLinkFromItem(item);
  await transactWrite([
    { Delete: { TableName: tableName, Key: keys.calendarLink(link.tokenHash) } },
    {
      Delete: {
        TableName: tableName,
        Key: keys.calendarLinkOfOwner(actor.centreId, practitionerId, linkId),
        ConditionExpression: 'attribute_exists(pk)',
      },
    },
  ]);
}

export async function createPlanningLink(actor: Actor, patientId: string, base: string, origin: Origin) {
  authorize(actor, 'calendar:share');
  const [patient] = await batchLookup(patientLookup(actor.centreId, patientId));
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  return createLink(actor, 'patient', patientId, base, origin, patientId);
}

const STATUS: Record<string, CalendarEntry['status']> = {
  booked: 'confirmed',
  confirmed: 'confirmed',
  done: 'confirmed',
  no_show: 'cancelled',
  cancelled: 'cancelled',
};

function entryOf(a: StoredAppointment, centre: Centre, withPatient: boolean): CalendarEntry {
  const location = centre.locations.find((l) => l.locationId === a.locationId)?.name;
  return {
    uid: a.appointmentId,
    start: a.start,
    end: a.end,
    summary: withPatient ? `${a.typeName} — ${centre.name}` : a.typeName,
    ...(location ? { location } : {}),
    ...(a.videoLink ? { url: a.videoLink } : {}),
    status: STATUS[a.status]!,
    sequence: a.sequence,
    stamp: a.updatedAt,
  };
}

/** The calendar behind a link's token (public: the token is the credential). 404 once revoked or expired. */
export async function getCalendar(token: string, origin: Origin) {
  const { link, centre, appointments } = await linkedAppointments(token, origin);
  return renderCalendar({
    name: link.kind === 'practitioner' ? `Centrum — ${centre.name}` : `${centre.name} — rendez-vous`,
    timeZone: centre.timeZone,
    entries: appointments.map((a) => entryOf(a, centre, link.kind === 'patient')),
  });
}

/**
 * The same appointments as a page to print or read in a browser: upcoming ones, in the centre's
 * zone and language (dates formatted with Intl at request time), cancelled ones marked.
 */
export async function getPlanning(token: string, origin: Origin) {
  const { link, centre, appointments } = await linkedAppointments(token, origin);
  const now = new Date().toISOString();
  const format = new Intl.DateTimeFormat(centre.locale, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: centre.timeZone,
  });
  const rows = appointments
    .filter((a) => a.end > now)
    .map((a) => {
      const entry = entryOf(a, centre, link.kind === 'patient');
      const cancelled = entry.status === 'cancelled';
      return `<tr${cancelled ? ' class="cancelled"' : ''}><td>${escapeHtml(format.format(new Date(a.start)))}</td><td>${a.durationMinutes}′</td><td>${escapeHtml(a.typeName)}</td><td>${escapeHtml(entry.location ?? '')}</td><td>${cancelled ? '✕' : ''}</td></tr>`;
    })
    .join('\n');
  const title = escapeHtml(`${centre.name} — ${link.kind === 'patient' ? 'rendez-vous' : 'agenda'}`);
  return `<!doctype html>
<html lang="${escapeHtml(centre.locale.slice(0, 2))}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td{padding:.3rem .8rem;border-bottom:1px solid #ddd}.cancelled{text-decoration:line-through;color:#888}</style>
</head><body><h1>${title}</h1>
<table>
${rows}
</table>
</body></html>
`;
}

async function linkedAppointments(token: string, origin: Origin) {
  const link = await findCalendarLinkByToken(hashToken(token));
  if (!link || (link.expiresAt && link.expiresAt <= new Date().toISOString())) throw notFound('calendar');
  // A practitioner's feed lives while they are an active member; a planning link while its creator is.
  const holder = link.kind === 'practitioner' ? link.ownerId : link.createdBy;
  const [centre, member] = await batchLookup(centreLookup(link.centreId), membershipLookup(link.centreId, holder));
  if (!centre || member?.status !== 'active') throw notFound('calendar');
  const now = Date.now();
  // Whoever holds the address reads: recorded as the link, never as the staff member who made it.
  const reader: AuditActor = { userId: link.linkId, centreId: link.centreId, role: 'calendar-link' };
  let appointments: StoredAppointment[];
  if (link.kind === 'practitioner') {
    appointments = await practitionerAppointments(
      link.centreId,
      link.ownerId,
      new Date(now - FEED_PAST_DAYS * 86_400_000).toISOString(),
      new Date(now + FEED_AHEAD_DAYS * 86_400_000).toISOString(),
      4,
    );
    await recordRead(reader, origin, { action: 'calendar.read', recordIds: [link.linkId] });
  } else {
    const page = await queryPage({
      index: 'gsi3',
      partition: { name: 'gsi3pk', value: keys.patientAppointmentsIndex(link.centreId, link.ownerId).gsi3pk },
      sort: { name: 'gsi3sk', after: new Date(now - FEED_PAST_DAYS * 86_400_000).toISOString() },
      limit: 500,
    });
    appointments = page.items.map(appointmentFromItem);
    await recordRead(reader, origin, { action: 'calendar.read', patientId: link.ownerId, recordIds: [link.linkId] });
  }
  return { link, centre, appointments };
}
