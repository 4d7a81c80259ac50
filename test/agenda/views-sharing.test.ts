import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPublicHoliday } from '#functions/agenda/holidays';
import { call } from '../support/api';
import { buildCentre, type CentreWorld } from '../support/world';
import { book, mondayAhead, newType } from './fixtures';

/**
 * The agenda's views (who sees what, one query each, audited in each patient's trail) and its
 * sharing: a practitioner's iCalendar feed and a patient's planning link, parsed with ical.js.
 */
let w: CentreWorld;
let typeId: string;
const ZONE = 'Europe/Brussels';
/** A Tuesday at least four weeks ahead, fixed for the file, that is no Belgian public holiday (free slots skip those). */
const tuesday = (() => {
  let weeks = 4;
  const at = (n: number) => DateTime.fromISO(mondayAhead(n)).plus({ days: 1 }).toFormat('yyyy-MM-dd');
  while (isPublicHoliday('BE', at(weeks))) weeks++;
  return at(weeks);
})();
const day = () => tuesday;
const get = (url: string, token?: string) => call('GET', url, { token });

beforeAll(async () => {
  w = await buildCentre('Views centre');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
  const mine = { practitionerId: w.practitioner.userId, patientId: w.patientId, appointmentTypeId: typeId };
  const theirs = { practitionerId: w.otherPractitioner.userId, patientId: w.otherPatientId, appointmentTypeId: typeId };
  for (const time of ['09:00', '10:00', '11:00'])
    await book(w.practitioner.actor, { ...mine, start: `${day()}T${time}`, notes: 'Progrès en lecture' });
  for (const time of ['09:00', '14:00'])
    await book(w.otherPractitioner.actor, { ...theirs, start: `${day()}T${time}` });
});

describe('views', () => {
  it('the centre’s day: a manager sees everyone, a practitioner their own, a secretary those served — without notes', async () => {
    const seen = async (token: string) => (await get(`/agenda/days/${day()}`, token)).body;
    const manager = await seen(w.manager.token);
    expect(manager.items).toHaveLength(5);
    expect(manager.timeZone).toBe(ZONE);
    expect(manager.items.map((a: { localStart: string }) => a.localStart)).toEqual(
      [...manager.items.map((a: { localStart: string }) => a.localStart)].sort(),
    );
    expect((await seen(w.practitioner.token)).items).toHaveLength(3);
    expect((await seen(w.otherPractitioner.token)).items).toHaveLength(2);
    const secretary = await seen(w.secretary.token);
    expect(secretary.items).toHaveLength(3);
    expect(secretary.items.every((a: { notes?: string }) => a.notes === undefined)).toBe(true);
    expect(manager.items.filter((a: { notes?: string }) => a.notes === 'Progrès en lecture')).toHaveLength(3);
  });

  it('a view is recorded in each shown patient’s trail', async () => {
    await get(
      `/agenda/practitioners/${w.otherPractitioner.userId}/appointments?from=${day()}`,
      w.otherPractitioner.token,
    );
    const trail = await get(`/patients/${w.otherPatientId}/audit?limit=5`, w.manager.token);
    expect(trail.body.items[0]).toMatchObject({ action: 'agenda.read', actorId: w.otherPractitioner.userId });
    expect(trail.body.items[0].listEventId).toEqual(expect.any(String));
  });

  it('a practitioner’s week; a day or week range of 8 days is refused', async () => {
    const week = await get(
      `/agenda/practitioners/${w.practitioner.userId}/appointments?from=${mondayAhead(4)}&days=7`,
      w.secretary.token,
    );
    expect(week.status).toBe(200);
    expect(week.body.items).toHaveLength(3);
    const tooLong = await get(
      `/agenda/practitioners/${w.practitioner.userId}/appointments?from=${mondayAhead(4)}&days=8`,
      w.practitioner.token,
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.fields[0].field).toBe('query.days');
  });

  it('a patient’s upcoming appointments, soonest first', async () => {
    const upcoming = await get(`/agenda/patients/${w.patientId}/appointments`, w.secretary.token);
    expect(upcoming.body.items.map((a: { localStart: string }) => a.localStart)).toEqual([
      `${day()}T09:00`,
      `${day()}T10:00`,
      `${day()}T11:00`,
    ]);
    const past = await get(`/agenda/patients/${w.patientId}/appointments?when=past`, w.practitioner.token);
    expect(past.body.items).toEqual([]);
  });

  it('free slots skip booked time and keep the wall-clock grid', async () => {
    await call('PUT', `/agenda/practitioners/${w.practitioner.userId}/hours`, {
      token: w.practitioner.token,
      body: { hours: [{ day: 'tue', opens: '09:00', closes: '12:00' }], slotMinutes: 30 },
    });
    const res = await get(
      `/agenda/practitioners/${w.practitioner.userId}/free-slots?appointmentTypeId=${typeId}&from=${day()}&days=1`,
      w.secretary.token,
    );
    expect(res.body.slots.map((s: { localStart: string }) => s.localStart)).toEqual([
      `${day()}T09:30`,
      `${day()}T10:30`,
      `${day()}T11:30`,
    ]);
  });
});

function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const tz of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  return {
    calendar,
    events: calendar.getAllSubcomponents('vevent').map((c) => new ICAL.Event(c)),
    zones: calendar.getAllSubcomponents('vtimezone').map((c) => c.getFirstPropertyValue('tzid')),
  };
}

describe('what a view may not show', () => {
  it('a patient’s list leaves out a colleague’s sessions with that patient (and their notes)', async () => {
    const elsewhere = await book(w.manager.actor, {
      practitionerId: w.otherPractitioner.userId,
      patientId: w.patientId,
      appointmentTypeId: typeId,
      start: `${DateTime.fromISO(day()).plus({ days: 1 }).toFormat('yyyy-MM-dd')}T09:00`,
      notes: 'Notes of the other practitioner',
    });
    const own = await get(`/agenda/patients/${w.patientId}/appointments?limit=50`, w.practitioner.token);
    expect(own.body.items.map((a: { appointmentId: string }) => a.appointmentId)).not.toContain(
      elsewhere.appointmentId,
    );
    expect(own.text).not.toContain('Notes of the other practitioner');
    const manager = await get(`/agenda/patients/${w.patientId}/appointments?limit=50`, w.manager.token);
    expect(manager.body.items.map((a: { appointmentId: string }) => a.appointmentId)).toContain(
      elsewhere.appointmentId,
    );
  });

  it('dates the keys cannot sort are refused, not a 500', async () => {
    const far = await get(
      `/agenda/practitioners/${w.practitioner.userId}/appointments?from=9999-12-30&days=7`,
      w.practitioner.token,
    );
    expect(far.status).toBe(400);
    expect(far.body.fields[0].field).toBe('query.from');
    const booking = await call('POST', '/appointments', {
      token: w.practitioner.token,
      body: {
        practitionerId: w.practitioner.userId,
        patientId: w.patientId,
        appointmentTypeId: typeId,
        start: '2095-01-04T09:00',
      },
    });
    expect(booking.status).toBe(422);
    expect(booking.body.code).toBe('too_far_ahead');
  });

  it('reads more than 100 items in BatchGetItem requests of 100', async () => {
    const { batchLookup } = await import('#shared/db/table');
    const { membershipLookup } = await import('#contexts/centres');
    const ids = [
      w.manager.userId,
      ...Array.from({ length: 150 }, (_, i) => `01J0000000000000000000${String(i).padStart(4, '0')}`),
    ];
    const found = await batchLookup(...ids.map((id) => membershipLookup(w.centreId, id)));
    expect(found).toHaveLength(151);
    expect(found[0]?.role).toBe('manager');
    expect(found.slice(1).every((m) => m === undefined)).toBe(true);
  });
});

describe('sharing', () => {
  it('a practitioner’s feed: valid iCalendar in the centre’s zone, no patient identity, changes raise SEQUENCE, cancellations stay, revocable', async () => {
    const created = await call('POST', `/agenda/practitioners/${w.practitioner.userId}/calendar-feeds`, {
      token: w.practitioner.token,
    });
    expect(created.status).toBe(201);
    const path = new URL(created.body.url).pathname;
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(first.text).not.toContain('Lambert');
    const { events, zones } = parse(first.text);
    expect(zones).toEqual([ZONE]);
    expect(events).toHaveLength(3);
    const nine = events.find((e) => e.startDate.toString().endsWith('T09:00:00'))!;
    expect(nine.startDate.zone.tzid).toBe(ZONE);
    expect(nine.startDate.toJSDate().toISOString()).toBe(
      DateTime.fromISO(`${day()}T09:00`, { zone: ZONE }).toUTC().toISO(),
    );
    expect(nine.sequence).toBe(0);

    const appointmentId = nine.uid.split('@')[0]!;
    const moved = await call('POST', `/appointments/${appointmentId}/move`, {
      token: w.practitioner.token,
      body: { version: 1, start: `${day()}T11:30` },
    });
    expect(moved.status).toBe(200);
    const other = events.find((e) => e !== nine)!;
    const cancelled = await call('POST', `/appointments/${other.uid.split('@')[0]}/cancel`, {
      token: w.practitioner.token,
      body: { version: 1, reason: 'Malade' },
    });
    expect(cancelled.status).toBe(200);

    const after = parse((await get(path)).text).events;
    expect(after).toHaveLength(3);
    const movedEvent = after.find((e) => e.uid === nine.uid)!;
    expect(movedEvent.sequence).toBe(1);
    expect(movedEvent.startDate.toString()).toBe(`${day()}T11:30:00`);
    const cancelledEvent = after.find((e) => e.uid === other.uid)!;
    expect(cancelledEvent.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancelledEvent.sequence).toBe(1);

    const revoked = await call(
      'DELETE',
      `/agenda/practitioners/${w.practitioner.userId}/calendar-feeds/${created.body.linkId}`,
      {
        token: w.practitioner.token,
      },
    );
    expect(revoked.status).toBe(204);
    expect((await get(path)).status).toBe(404);
  });

  it('a patient’s planning link: that patient’s appointments only, each read in the patient’s trail', async () => {
    const link = await call('POST', `/agenda/patients/${w.otherPatientId}/planning-links`, {
      token: w.otherPractitioner.token,
    });
    expect(link.status).toBe(201);
    expect(link.body.expiresAt).toEqual(expect.any(String));
    const text = (await get(new URL(link.body.url).pathname)).text;
    const { events } = parse(text);
    expect(events.map((e) => e.startDate.toString()).sort()).toEqual([`${day()}T09:00:00`, `${day()}T14:00:00`]);
    expect(events[0]!.summary).toContain('Views centre');
    const trail = await get(`/patients/${w.otherPatientId}/audit?limit=3`, w.manager.token);
    // Read by whoever holds the address: recorded as the link, not as the practitioner who made it.
    expect(trail.body.items[0]).toMatchObject({
      action: 'calendar.read',
      patientId: w.otherPatientId,
      actorId: link.body.linkId,
      actorRole: 'calendar-link',
    });
    const page = await get(new URL(link.body.url).pathname.replace('calendar.ics', 'planning.html'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(page.text.match(/<tr>/g)).toHaveLength(2);
    expect(page.text).toContain('Séance individuelle 30′');
    expect(page.text).toMatch(/09:00/);
    const foreign = await call('POST', `/agenda/patients/${w.otherPatientId}/planning-links`, {
      token: w.practitioner.token,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('a link lives with its holder', () => {
  it('a feed stops when its practitioner is suspended', async () => {
    const other = await buildCentre('Suspension centre');
    const feed = await call('POST', `/agenda/practitioners/${other.practitioner.userId}/calendar-feeds`, {
      token: other.practitioner.token,
    });
    const path = new URL(feed.body.url).pathname;
    expect((await get(path)).status).toBe(200);
    const { updateStaffMember } = await import('#functions/centres/staff');
    const { findMembership } = await import('#functions/centres/repository');
    const member = await findMembership(other.centreId, other.practitioner.userId);
    await updateStaffMember(
      other.manager.actor,
      other.practitioner.userId,
      { version: member!.version, status: 'suspended' },
      {
        followsPatients: async () => false,
      } as never,
    );
    expect((await get(path)).status).toBe(404);
  });
});
