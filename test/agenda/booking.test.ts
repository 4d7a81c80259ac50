import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCentreEvent, updatePractitionerHours } from '#functions/agenda/availability';
import { practitionerAppointments } from '#functions/agenda/repository';
import { call } from '../support/api';
import { diffSnapshots, snapshot } from '../support/table';
import { buildCentre, type CentreWorld } from '../support/world';
import { book, freshSlot, mondayAhead, newType } from './fixtures';

/**
 * The invariant of the agenda, through the handlers on DynamoDB Local: a practitioner's minute is
 * never booked twice, however many requests race for it; a move frees the old time only if it
 * takes the new one; overlaps are judged on real ranges.
 */
let w: CentreWorld;
let typeId: string;
let longTypeId: string;
const ZONE = 'Europe/Brussels';

beforeAll(async () => {
  w = await buildCentre('Booking centre');
  typeId = (await newType(w.manager.actor)).appointmentTypeId;
  longTypeId = (await newType(w.manager.actor, { name: 'Bilan 45′', durationMinutes: 45 })).appointmentTypeId;
});

const bookingBody = (start: string, extra: Record<string, unknown> = {}) => ({
  practitionerId: w.practitioner.userId,
  patientId: w.patientId,
  appointmentTypeId: typeId,
  start,
  ...extra,
});
const post = (url: string, body: unknown, token = w.practitioner.token) => call('POST', url, { token, body });

async function storedAt(start: string) {
  const instant = DateTime.fromISO(start, { zone: ZONE }).toUTC().toISO()!;
  const end = DateTime.fromISO(start, { zone: ZONE }).plus({ hours: 4 }).toUTC().toISO()!;
  const all = await practitionerAppointments(w.centreId, w.practitioner.userId, instant, end);
  return all.filter((a) => a.start === instant && a.status !== 'cancelled');
}

describe('no double booking', () => {
  it('50 concurrent bookings of one slot: exactly one 201, the others 409, one appointment stored', async () => {
    const start = freshSlot();
    const tokens = [w.practitioner.token, w.secretary.token, w.manager.token];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post('/appointments', bookingBody(start), tokens[i % 3])),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const refused of answers.filter((a) => a.status === 409))
      expect(['slot_taken', 'concurrent_modification']).toContain(refused.body.code);
    expect(await storedAt(start)).toHaveLength(1);
  });

  it('judges overlaps on real ranges: a 45′ session blocks every slot it touches, not only its start', async () => {
    // Four consecutive free half-hours: the session takes the second and a quarter of the third.
    const start = [freshSlot(), freshSlot(), freshSlot(), freshSlot()][1]!;
    const first = await post('/appointments', bookingBody(start, { appointmentTypeId: longTypeId }));
    expect(first.status).toBe(201);
    const at = (minutes: number) => DateTime.fromISO(start).plus({ minutes }).toFormat("yyyy-MM-dd'T'HH:mm");
    // 30′ sessions starting 25′ before (ends 5′ into it), 40′ after (starts 5′ before its end): refused.
    expect((await post('/appointments', bookingBody(at(-25)))).body.code).toBe('slot_taken');
    expect((await post('/appointments', bookingBody(at(40)))).body.code).toBe('slot_taken');
    // Touching ends are no overlap: 30′ before, and right at its end.
    expect((await post('/appointments', bookingBody(at(-30)))).status).toBe(201);
    expect((await post('/appointments', bookingBody(at(45)))).status).toBe(201);
  });

  it('a move is atomic: racing moves of one appointment → one 200, and only its new time is held', async () => {
    const appointment = await book(w.practitioner.actor, bookingBody(freshSlot()));
    const targets = Array.from({ length: 20 }, () => freshSlot());
    const answers = await Promise.all(
      targets.map((start) =>
        post(`/appointments/${appointment.appointmentId}/move`, { version: 1, start }, w.secretary.token),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    const moved = winners[0]!.body;
    expect(moved.sequence).toBe(1);
    expect(moved.version).toBe(2);
    // The old time is free again, the new one is taken, the losers' targets were never held.
    expect((await post('/appointments', bookingBody(appointment.localStart))).status).toBe(201);
    expect((await post('/appointments', bookingBody(moved.localStart))).body.code).toBe('slot_taken');
    for (const lost of targets.filter((t) => t !== moved.localStart).slice(0, 3))
      expect((await post('/appointments', bookingBody(lost))).status).toBe(201);
  });

  it('two appointments moved onto one time at once: one gets it, the other keeps its own', async () => {
    const [a, b] = await Promise.all([
      book(w.practitioner.actor, bookingBody(freshSlot())),
      book(w.practitioner.actor, bookingBody(freshSlot())),
    ]);
    const target = freshSlot();
    const answers = await Promise.all(
      [a!, b!].map((x) => post(`/appointments/${x.appointmentId}/move`, { version: 1, start: target })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = [a!, b!][answers.findIndex((r) => r.status === 409)]!;
    const still = await call('GET', `/appointments/${loser.appointmentId}`, { token: w.practitioner.token });
    expect(still.body).toMatchObject({ localStart: loser.localStart, version: 1, status: 'booked' });
    expect((await post('/appointments', bookingBody(loser.localStart))).body.code).toBe('slot_taken');
  });

  it('a move racing a cancellation: exactly one wins; a cancellation frees the time', async () => {
    for (let round = 0; round < 5; round++) {
      const appointment = await book(w.practitioner.actor, bookingBody(freshSlot()));
      const target = freshSlot();
      const [moved, cancelled] = await Promise.all([
        post(`/appointments/${appointment.appointmentId}/move`, { version: 1, start: target }),
        post(`/appointments/${appointment.appointmentId}/cancel`, { version: 1, reason: 'Empêchement' }),
      ]);
      expect([moved.status, cancelled.status].sort()).toEqual([200, 409]);
      const free = cancelled.status === 200 ? [appointment.localStart, target] : [appointment.localStart];
      for (const start of free) expect((await post('/appointments', bookingBody(start))).status).toBe(201);
      if (moved.status === 200) expect((await post('/appointments', bookingBody(target))).body.code).toBe('slot_taken');
    }
  });

  it('racing cancellations of one appointment: one 200, the others 409, cancelled once', async () => {
    const appointment = await book(w.practitioner.actor, bookingBody(freshSlot()));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(`/appointments/${appointment.appointmentId}/cancel`, { version: 1, reason: 'Annulé' }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    const read = await call('GET', `/appointments/${appointment.appointmentId}`, { token: w.manager.token });
    expect(read.body).toMatchObject({ status: 'cancelled', version: 2, cancellation: { reason: 'Annulé' } });
  });
});

describe('bad input: a clear problem naming the field, nothing stored', () => {
  async function refused(body: unknown, token: string, status: number, code: string, field?: string) {
    const before = await snapshot();
    const res = await post('/appointments', body, token);
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.code).toBe(code);
    if (field) expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(diffSnapshots(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
  }

  it('in the past', async () => {
    await refused(bookingBody('2020-03-02T09:00'), w.practitioner.token, 422, 'in_the_past', 'body.start');
  });

  it('off the 5-minute grid, and a local time the clocks skip', async () => {
    await refused(bookingBody(`${mondayAhead(3)}T09:03`), w.practitioner.token, 400, 'validation_failed', 'body.start');
    await refused(bookingBody('2027-03-28T02:30'), w.practitioner.token, 400, 'validation_failed', 'body.start');
  });

  it('outside the practitioner’s opening hours', async () => {
    await updatePractitionerHours(w.manager.actor, w.otherPractitioner.userId, {
      hours: [{ day: 'mon', opens: '09:00', closes: '12:00' }],
      slotMinutes: 15,
    });
    const body = {
      ...bookingBody(`${mondayAhead(3)}T11:45`),
      practitionerId: w.otherPractitioner.userId,
      patientId: w.otherPatientId,
    };
    await refused(body, w.otherPractitioner.token, 422, 'outside_opening_hours', 'body.start');
    const inside = await post(
      '/appointments',
      { ...body, start: `${mondayAhead(3)}T11:30` },
      w.otherPractitioner.token,
    );
    expect(inside.status).toBe(201);
  });

  it('during the practitioner’s leave', async () => {
    const day = DateTime.fromISO(mondayAhead(5)).plus({ days: 2 }).toFormat('yyyy-MM-dd');
    await createCentreEvent(w.practitioner.actor, {
      kind: 'leave',
      title: 'Congé',
      start: `${day}T00:00`,
      end: `${day}T23:55`,
      userIds: [w.practitioner.userId],
    });
    await refused(bookingBody(`${day}T10:00`), w.secretary.token, 422, 'practitioner_absent', 'body.start');
  });

  it('a patient the caller may not see is not found; a colleague’s agenda is forbidden', async () => {
    await refused(
      bookingBody(freshSlot(), { patientId: w.otherPatientId }),
      w.practitioner.token,
      404,
      'patient_not_found',
    );
    await refused(
      { ...bookingBody(freshSlot()), practitionerId: w.otherPractitioner.userId },
      w.secretary.token,
      403,
      'not_your_agenda',
    );
  });

  it('a secretary writing clinical notes: 403', async () => {
    await refused(bookingBody(freshSlot(), { notes: 'Anamnèse' }), w.secretary.token, 403, 'clinical_data_forbidden');
    const created = await book(w.practitioner.actor, bookingBody(freshSlot(), { notes: 'Anamnèse' }));
    const patch = await call('PATCH', `/appointments/${created.appointmentId}`, {
      token: w.secretary.token,
      body: { version: 1, notes: 'changed' },
    });
    expect(patch.status).toBe(403);
    const seen = await call('GET', `/appointments/${created.appointmentId}`, { token: w.secretary.token });
    expect(seen.body.notes).toBeUndefined();
    const own = await call('GET', `/appointments/${created.appointmentId}`, { token: w.practitioner.token });
    expect(own.body.notes).toBe('Anamnèse');
  });

  it('an event that ends before it starts', async () => {
    const res = await call('POST', '/agenda/events', {
      token: w.manager.token,
      body: { kind: 'meeting', title: 'Réunion', start: `${mondayAhead(3)}T12:00`, end: `${mondayAhead(3)}T11:00` },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe('body.end');
  });
});
