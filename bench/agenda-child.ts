/**
 * Part 5 (child process): the agenda's two heavy reads against the raw DynamoDB requests they make,
 * on DynamoDB Local. Builds a fresh centre through the domain services (as the tests do), then:
 * A. `GET /agenda/days/{date}` as the manager: 20 practitioners × 16 appointments of 30′ on one
 *    local day (Europe/Brussels) at least two weeks ahead, 08:00–16:00;
 * B. `GET /agenda/practitioners/{id}/free-slots` over 28 days for one practitioner with opening
 *    hours, ~5 appointments per weekday and one week of leave.
 * "ours" goes through the local adapter's `invoke` (the deployed handler, no socket); the
 * "reference" sends the same requests raw with the document client, on the same table. Calls
 * alternate (ours, reference, reference, ours…) so that both see the same engine; each is timed
 * (wall clock) and its CPU time in this process measured (process.cpuUsage; DynamoDB Local is
 * another process). DynamoDB requests of each of our calls are counted (CENTRUM_COUNT_REQUESTS=1).
 * Run by bench/run.ts with the engine endpoint in the env; writes its result to BENCH_OUT.
 */
import { keyAttributes } from '#shared/db/table-definition';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Actor } from '#shared/access/actor';
import { useLocalEngineEnv, writeChildResult } from './lib';
import type { AgendaResult, Scenario, Side } from './agenda';

process.env.CENTRUM_COUNT_REQUESTS = '1';
const endpoint = useLocalEngineEnv('centrum-bench-agenda');
const tableName = process.env.TABLE_NAME!;

const numberEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const CALLS = numberEnv('BENCH_AGENDA_CALLS', 200);
const WARMUP = numberEnv('BENCH_AGENDA_WARMUP', 20);
const PRACTITIONERS = 20;
const PER_DAY = 16;
/** Patients per practitioner in view A: 16 = one distinct patient per appointment of the day. */
const PATIENTS = Math.min(numberEnv('BENCH_AGENDA_PATIENTS', PER_DAY), PER_DAY);
const ZONE = 'Europe/Brussels';

// Only now: every #shared module reads its configuration at import time.
const { ensureTable } = await import('../scripts/local/engines');
await ensureTable(endpoint, tableName);
const { invoke, loadHandlers } = await import('../scripts/local/http-adapter');
const { requestCounts, resetRequestCounts } = await import('#shared/db/request-counter');
const { keys } = await import('#shared/db/keys');
const { newId } = await import('#shared/ids');
const { createCentreWithManager } = await import('#functions/centres/sign-up');
const { issueAccessToken } = await import('#functions/identity/tokens');
const { createPatient } = await import('#functions/patients/service');
const { createAppointmentType, createCentreEvent, updatePractitionerHours } =
  await import('#functions/agenda/availability');
const { createAppointment } = await import('#functions/agenda/appointments');
const { isPublicHoliday } = await import('#functions/agenda/holidays');
const { dayBounds } = await import('#functions/agenda/time');
const { MAX_APPOINTMENT_MINUTES } = await import('#functions/agenda/schemas');
const { invite, newPatient, origin, PASSWORD } = await import('../test/support/world');

/** Runs tasks with at most `width` at a time (setup only). */
async function pool<T>(width: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

// --- The centre ------------------------------------------------------------------------------------

const setupStarted = performance.now();
const managerEmail = `manager-${newId().toLowerCase()}@example.test`;
const signedUp = await createCentreWithManager({
  centre: { kind: 'centre', name: 'Bench agenda centre' },
  manager: { email: managerEmail, password: PASSWORD, firstName: 'Marie', lastName: 'Manager' },
});
const centreId = signedUp.centreId;
const manager: Actor = {
  userId: signedUp.userId,
  centreId,
  role: 'manager',
  servedPractitionerIds: [],
  sessionId: newId(),
};
const managerToken = await issueAccessToken(manager);
const practitioners = await pool(
  4,
  Array.from({ length: PRACTITIONERS }, () => () => invite(manager, 'practitioner')),
);
const type = await createAppointmentType(manager, {
  name: 'Séance individuelle 30′',
  durationMinutes: 30,
  priceCode: '711011',
  episodeKind: 'individual-30',
  episodeUnits: 1,
});
const patientsOf = await pool(
  4,
  practitioners.map((p, i) => async () => {
    const ids: string[] = [];
    for (let k = 0; k < PATIENTS; k++) {
      const created = await createPatient(
        p.actor,
        newPatient({ lastName: `Bench${String(i).padStart(2, '0')}${String(k).padStart(2, '0')}`, firstName: 'Léa' }),
        origin,
      );
      ids.push(created.patientId);
    }
    return ids;
  }),
);
const book = (practitioner: (typeof practitioners)[number], patientId: string, start: string) =>
  createAppointment(
    practitioner.actor,
    { practitionerId: practitioner.userId, patientId, appointmentTypeId: type.appointmentTypeId, start },
    origin,
  );

// A. One local day, the Tuesday of the week three weeks ahead (≥ 15 days from now), 08:00–16:00.
const weekOf = (weeksAhead: number) => DateTime.now().setZone(ZONE).plus({ weeks: weeksAhead }).startOf('week');
const dayDate = weekOf(3).plus({ days: 1 }).toFormat('yyyy-MM-dd');
await pool(
  4,
  practitioners.map((p, i) => async () => {
    for (let j = 0; j < PER_DAY; j++) {
      const start = DateTime.fromISO(`${dayDate}T08:00`, { zone: ZONE }).plus({ minutes: 30 * j });
      await book(p, patientsOf[i]![j % PATIENTS]!, start.toFormat("yyyy-MM-dd'T'HH:mm"));
    }
  }),
);
const dayAppointments = PRACTITIONERS * PER_DAY;
const dayPatients = PRACTITIONERS * PATIENTS;

// B. The first practitioner, over the 4 weeks from the Monday four weeks ahead (after day A).
const slotsPractitioner = practitioners[0]!;
const from = weekOf(4);
const fromDate = from.toFormat('yyyy-MM-dd');
const DAYS = 28;
const LEAVE_WEEK = 2;
const opening = [
  { opens: '08:00', closes: '12:00' },
  { opens: '13:00', closes: '18:00' },
];
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const SLOT_MINUTES = 15;
await updatePractitionerHours(manager, slotsPractitioner.userId, {
  hours: weekdays.flatMap((day) => opening.map((o) => ({ day, ...o }))),
  slotMinutes: SLOT_MINUTES,
});
const leaveStart = from.plus({ weeks: LEAVE_WEEK });
await createCentreEvent(manager, {
  kind: 'leave',
  title: 'Congé',
  start: leaveStart.toFormat("yyyy-MM-dd'T'HH:mm"),
  end: leaveStart.plus({ days: 5 }).toFormat("yyyy-MM-dd'T'HH:mm"),
  userIds: [slotsPractitioner.userId],
});
const bookedTimes = ['08:00', '09:30', '11:00', '14:00', '16:00'];
const slotsDays = Array.from({ length: DAYS }, (_, d) => ({ d: from.plus({ days: d }), week: Math.floor(d / 7) }));
const workDays = slotsDays.filter(({ d, week }) => d.weekday <= 5 && week !== LEAVE_WEEK).map(({ d }) => d);
await pool(
  4,
  workDays.flatMap((d, i) =>
    bookedTimes.map(
      (time, j) => () =>
        book(slotsPractitioner, patientsOf[0]![(i + j) % PATIENTS]!, `${d.toFormat('yyyy-MM-dd')}T${time}`),
    ),
  ),
);
const slotsBooked = workDays.length * bookedTimes.length;

/**
 * The free slots the rules give, computed here on the local wall clock: each 15-minute step of an
 * opening where a 30′ session fits, on a weekday that is no public holiday (BE), outside the leave
 * week and not overlapping a booked session.
 */
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const expectedSlots = slotsDays
  .filter(({ d, week }) => d.weekday <= 5 && week !== LEAVE_WEEK && !isPublicHoliday('BE', d.toFormat('yyyy-MM-dd')))
  .reduce((sum, { d }) => {
    const booked = workDays.some((w) => w.hasSame(d, 'day')) ? bookedTimes.map(minutes) : [];
    let n = 0;
    for (const o of opening)
      for (let s = minutes(o.opens); s + type.durationMinutes <= minutes(o.closes); s += SLOT_MINUTES)
        if (!booked.some((b) => s < b + type.durationMinutes && b < s + type.durationMinutes)) n++;
    return sum + n;
  }, 0);
const setupSeconds = Math.round((performance.now() - setupStarted) / 100) / 10;

// --- Ours: the deployed handler through the local adapter -------------------------------------------

const handlers = await loadHandlers();
const get = (url: string) =>
  invoke(handlers, {
    method: 'GET',
    url,
    headers: { 'user-agent': 'centrum-bench', authorization: `Bearer ${managerToken}` },
    body: Buffer.alloc(0),
    sourceIp: '198.51.100.7',
  });
const dayUrl = `/agenda/days/${dayDate}`;
const slotsUrl = `/agenda/practitioners/${slotsPractitioner.userId}/free-slots?appointmentTypeId=${type.appointmentTypeId}&from=${fromDate}&days=${DAYS}`;

// --- Reference: the same requests, raw --------------------------------------------------------------

const referenceCounts = new Map<string, number>();
const base = new DynamoDBClient({
  endpoint,
  region: 'eu-west-3',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
base.middlewareStack.add(
  (next, context) => async (args) => {
    const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    referenceCounts.set(name, (referenceCounts.get(name) ?? 0) + 1);
    return next(args);
  },
  { step: 'initialize', name: 'benchReferenceCount' },
);
const doc = DynamoDBDocumentClient.from(base, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
const KEY_ATTRIBUTES = new Set(keyAttributes);
const strip = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k) && k !== 'entity'));

/**
 * The centre's day, raw: one consistent BatchGetItem of the centre item, one Query of the day's gsi1
 * partition (limit 400), the audit as shared/audit/audit.ts `recordListRead` writes it (one list
 * event naming the patients, one event per patient pointing to it) in BatchWriteItem requests of 25
 * sent together; then the answer serialised.
 */
async function referenceDay() {
  const got = await doc.send(
    new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [keys.centre(centreId)], ConsistentRead: true } } }),
  );
  const centre = got.Responses?.[tableName]?.[0];
  if (!centre) throw new Error('reference: no centre');
  const page = await doc.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': 'gsi1pk' },
      ExpressionAttributeValues: { ':p': keys.centreDayIndex(centreId, dayDate).gsi1pk },
      Limit: 400,
    }),
  );
  const items = page.Items ?? [];
  const patientIds = [...new Set(items.map((a) => a.patientId as string))];
  const header = {
    entity: 'AuditEvent',
    centreId,
    at: new Date().toISOString(),
    actorId: manager.userId,
    actorRole: manager.role,
    requestId: newId(),
    sourceIp: '198.51.100.7',
    userAgent: 'centrum-bench',
  };
  const listEventId = newId();
  const audit = [
    {
      ...keys.listAudit(centreId, listEventId),
      ...keys.userAuditIndex(centreId, manager.userId, listEventId),
      eventId: listEventId,
      ...header,
      action: 'agenda.read',
      patientIds,
    },
    ...patientIds.map((patientId) => {
      const eventId = newId();
      return {
        ...keys.patientAudit(centreId, patientId, eventId),
        eventId,
        ...header,
        action: 'agenda.read',
        patientId,
        listEventId,
      };
    }),
  ];
  await Promise.all(
    Array.from({ length: Math.ceil(audit.length / 25) }, async (_, i) => {
      const out = await doc.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: audit.slice(i * 25, (i + 1) * 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      if (Object.keys(out.UnprocessedItems ?? {}).length) throw new Error('reference: unprocessed audit items');
    }),
  );
  return {
    body: JSON.stringify({ date: dayDate, timeZone: centre.timeZone, items: items.map(strip) }),
    items: items.length,
  };
}

/**
 * Free slots, raw: one consistent BatchGetItem (centre, membership, hours, type), then together one
 * Query of the practitioner's agenda (gsi2) between two instants and one of their absences (gsi2)
 * ending after the first. No slot is computed: that work is ours.
 */
const { start: rangeStart, end: rangeEnd } = dayBounds(fromDate, ZONE, DAYS);
const earliest = new Date(Date.parse(rangeStart) - MAX_APPOINTMENT_MINUTES * 60_000).toISOString();
async function referenceSlots() {
  const p = slotsPractitioner.userId;
  const got = await doc.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: {
          Keys: [
            keys.centre(centreId),
            keys.membership(centreId, p),
            keys.practitionerHours(centreId, p),
            keys.appointmentType(centreId, type.appointmentTypeId),
          ],
          ConsistentRead: true,
        },
      },
    }),
  );
  if ((got.Responses?.[tableName] ?? []).length !== 4) throw new Error('reference: missing items');
  const [agenda, absences] = await Promise.all([
    doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: '#p = :p AND #s BETWEEN :s AND :t',
        ExpressionAttributeNames: { '#p': 'gsi2pk', '#s': 'gsi2sk' },
        ExpressionAttributeValues: {
          ':p': keys.practitionerAgendaIndex(centreId, p).gsi2pk,
          ':s': earliest,
          ':t': `${rangeEnd}~`,
        },
        Limit: 1000,
      }),
    ),
    doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: '#p = :p AND #s > :s',
        ExpressionAttributeNames: { '#p': 'gsi2pk', '#s': 'gsi2sk' },
        ExpressionAttributeValues: { ':p': keys.absencesIndex(centreId, p).gsi2pk, ':s': rangeStart },
        Limit: 1000,
      }),
    ),
  ]);
  return { appointments: agenda.Items?.length ?? 0, absences: absences.Items?.length ?? 0 };
}

// --- Measuring ----------------------------------------------------------------------------------------

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
const r2 = (x: number) => Math.round(x * 100) / 100;
function side(ms: number[], cpuMs: number[]): Side {
  const sorted = [...ms].sort((a, b) => a - b);
  const cpu = [...cpuMs].sort((a, b) => a - b);
  return {
    p50: r2(percentile(sorted, 50)),
    p99: r2(percentile(sorted, 99)),
    mean: r2(ms.reduce((a, b) => a + b, 0) / ms.length),
    max: r2(sorted[sorted.length - 1]!),
    cpuMsP50: r2(percentile(cpu, 50)),
    cpuMsMean: r2(cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length),
  };
}
const formatCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, n]) => `${command}:${n}`)
    .join(' ');

async function timed<T>(work: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

async function measure(
  name: string,
  ours: () => Promise<APIGatewayProxyStructuredResultV2>,
  check: (res: APIGatewayProxyStructuredResultV2) => void,
  reference: () => Promise<unknown>,
) {
  const oursMs: number[] = [];
  const oursCpu: number[] = [];
  const refMs: number[] = [];
  const refCpu: number[] = [];
  const shapes = new Map<string, number>();
  let referenceShape = '';
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const runOurs = async () => {
      resetRequestCounts();
      const t = await timed(ours);
      const counted = formatCounts(requestCounts());
      check(t.value);
      if (i < WARMUP) return;
      oursMs.push(t.ms);
      oursCpu.push(t.cpuMs);
      shapes.set(counted, (shapes.get(counted) ?? 0) + 1);
    };
    const runReference = async () => {
      referenceCounts.clear();
      const t = await timed(reference);
      referenceShape = formatCounts(Object.fromEntries(referenceCounts));
      if (i < WARMUP) return;
      refMs.push(t.ms);
      refCpu.push(t.cpuMs);
    };
    // Alternate which goes first: neither always meets the engine right after the other.
    if (i % 2 === 0) {
      await runOurs();
      await runReference();
    } else {
      await runReference();
      await runOurs();
    }
  }
  const [requests] = [...shapes.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const oursSide = side(oursMs, oursCpu);
  const referenceSide = side(refMs, refCpu);
  return {
    name,
    calls: CALLS,
    warmup: WARMUP,
    ours: oursSide,
    reference: referenceSide,
    p50Ratio: r2(oursSide.p50 / referenceSide.p50),
    p99Ratio: r2(oursSide.p99 / referenceSide.p99),
    requests,
    requestShapes: Object.fromEntries(shapes),
    referenceRequests: referenceShape,
  };
}

let dayItems = 0;
const day: Scenario = {
  ...(await measure(
    `GET /agenda/days/${dayDate}`,
    () => get(dayUrl),
    (res) => {
      if (res.statusCode !== 200)
        throw new Error(`GET ${dayUrl} answered ${res.statusCode}: ${res.body?.slice(0, 300)}`);
      dayItems = (JSON.parse(res.body ?? '{}') as { items: unknown[] }).items.length;
      if (dayItems !== dayAppointments)
        throw new Error(`GET ${dayUrl}: ${dayItems} items, ${dayAppointments} expected`);
    },
    async () => {
      const r = await referenceDay();
      if (r.items !== dayAppointments) throw new Error(`reference day: ${r.items} items`);
      return r.body;
    },
  )),
  expected: formatCounts({ BatchGetItem: 1, Query: 1, BatchWriteItem: Math.ceil((dayPatients + 1) / 25) }),
  detail: { appointments: dayAppointments, items: dayItems, patients: dayPatients, auditItems: dayPatients + 1 },
};

let slotsReturned = 0;
const slots: Scenario = {
  ...(await measure(
    `GET /agenda/practitioners/{id}/free-slots?from=${fromDate}&days=${DAYS}`,
    () => get(slotsUrl),
    (res) => {
      if (res.statusCode !== 200)
        throw new Error(`GET ${slotsUrl} answered ${res.statusCode}: ${res.body?.slice(0, 300)}`);
      slotsReturned = (JSON.parse(res.body ?? '{}') as { slots: unknown[] }).slots.length;
    },
    async () => {
      const r = await referenceSlots();
      if (r.appointments !== slotsBooked || r.absences !== 1)
        throw new Error(`reference slots: ${r.appointments} appointments, ${r.absences} absences`);
    },
  )),
  expected: formatCounts({ BatchGetItem: 1, Query: 2 }),
  detail: {
    slots: slotsReturned,
    expectedSlots,
    appointments: slotsBooked,
    workDays: workDays.length,
    leaveDays: 5,
  },
};

const result: AgendaResult = {
  setupSeconds,
  dayDate,
  slotsFrom: fromDate,
  patientsPerPractitioner: PATIENTS,
  day,
  slots,
};
writeChildResult(result);
// The SDK's keep-alive sockets would keep the process alive.
process.exit(0);
