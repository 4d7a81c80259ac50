/**
 * Part 6 (child process): the reminders dispatcher (functions/reminders/dispatch.ts) against the floor
 * of its raw conditional writes, on DynamoDB Local. Seeds a fresh table with BatchWriteItem (not
 * measured): 200 centres (Europe/Brussels, fr-BE / nl-BE / en), a practitioner each, a rules item for
 * every other centre (SMS cap 100 000, 5 a phone a day; the others keep the defaults: 500 and 3, which
 * their 30 SMS stay under), 50 patients each (a unique E.164 phone, an e-mail for some), and one
 * pending reminder per patient and its appointment as the agenda writes them (`reminderPut`,
 * `appointmentItem`), due in the last 5 minutes
 * before `now`: 10 000 in the due index, 60 % SMS and 40 % e-mail. Then:
 * A. `dispatchReminders` run once at `now` (payload defaults) in a fresh process of its own (this file,
 *    started again with BENCH_REMINDERS_DISPATCH, modules loaded before the signal to go): timed, its
 *    DynamoDB requests counted (CENTRUM_COUNT_REQUESTS=1), its CPU, event-loop use and memory sampled;
 *    every reminder checked `accepted` once, against the outbox files (SMS and e-mail, folders in tmpfs).
 * B. The floor: 10 000 other reminders of the same shape, each claimed by one raw conditional UpdateItem
 *    (`status = pending` → `sending`, out of the due index), 32 in flight as the dispatcher sends, through
 *    the same document client; once before A and once after (DynamoDB Local is a JVM that drifts).
 * C. Two dispatcher processes started together on 2 000 more reminders due by the next run
 *    (`now` + 5 min): each must be sent once.
 * Run by bench/run.ts with the engine endpoint in the env; writes its result to BENCH_OUT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchGetCommand, BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAppointment } from '#contexts/agenda';
import type { Centre, Membership } from '#contexts/centres';
import type { JobSummary } from '#shared/jobs/pipeline';
import type { Item } from '#shared/db/table';
import { benchDir, root, useLocalEngineEnv, writeChildResult } from './lib';
import type { CounterCheck, DispatchRun, Floor, Latency, RaceResult, RemindersResult } from './reminders';

process.env.CENTRUM_COUNT_REQUESTS = '1';
// A full collection before each measured run, so that RSS starts from the live set (no --expose-gc flag
// through runChild).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const endpoint = useLocalEngineEnv('centrum-bench-reminders');
// Outboxes in memory (tmpfs) when there is one: the dispatcher writes one JSON file per message.
const outboxRoot =
  process.env.BENCH_REMINDERS_OUTBOX ??
  join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `centrum-bench-reminders-${process.pid}`);
const smsDir = join(outboxRoot, 'sms');
const mailDir = join(outboxRoot, 'mail');
Object.assign(process.env, {
  BENCH_REMINDERS_OUTBOX: outboxRoot,
  SMS_TRANSPORT: 'outbox',
  SMS_OUTBOX_DIR: smsDir,
  MAIL_TRANSPORT: 'outbox',
  MAIL_OUTBOX_DIR: mailDir,
});
const tableName = process.env.TABLE_NAME!;

const numberEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const CENTRES = numberEnv('BENCH_REMINDERS_CENTRES', 200);
const PER_CENTRE = numberEnv('BENCH_REMINDERS_PER_CENTRE', 50);
const RACE = numberEnv('BENCH_REMINDERS_RACE', 2000);
const FLOOR_CONCURRENCY = 32;
const ZONE = 'Europe/Brussels';
const LOCALES = ['fr-BE', 'nl-BE', 'en'] as const;
const N = CENTRES * PER_CENTRE;
if (RACE > N) throw new Error(`BENCH_REMINDERS_RACE (${RACE}) must not exceed the patients (${N})`);

// Only now: every #shared module reads its configuration at import time.
const dispatchAt = process.env.BENCH_REMINDERS_DISPATCH;
if (!dispatchAt) await (await import('../scripts/local/engines')).ensureTable(endpoint, tableName);
const { db } = await import('#shared/db/client');
const { keys } = await import('#shared/db/keys');
const { newId } = await import('#shared/ids');
const { internalOrigin } = await import('#shared/origin');
const { requestCounts, resetRequestCounts } = await import('#shared/db/request-counter');
const { centrePut, membershipPut } = await import('#functions/centres/repository');
const { patientItem } = await import('#functions/patients/repository');
const { reminderPut } = await import('#functions/reminders/repository');
const { appointmentItem } = await import('#functions/agenda/repository');
const { dispatchReminders } = await import('#functions/reminders/dispatch');
const { bucketOf, bucketsBetween, DUE_SHARDS, shardOf } = await import('#functions/reminders/planning');
const { dispatchPayloadSchema } = await import('#functions/reminders/schemas');
const { DEFAULT_RULES } = await import('#functions/reminders/defaults');
const { reminders } = await import('#functions/reminders/context');

// --- Helpers ------------------------------------------------------------------------------------------

/**
 * Time spent in each DynamoDB request while `timing.on` (a middleware of the bench on the shared
 * client, beside the request counter): mean latency by command, and Σ latency / wall = the mean number
 * of requests in flight (32 lanes kept busy give about 32).
 */
const timing = { on: false, byCommand: new Map<string, { n: number; ms: number }>() };
db.middlewareStack.add(
  (next, context) => async (args) => {
    if (!timing.on) return next(args);
    const started = performance.now();
    try {
      return await next(args);
    } finally {
      const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const entry = timing.byCommand.get(name) ?? { n: 0, ms: 0 };
      entry.n++;
      entry.ms += performance.now() - started;
      timing.byCommand.set(name, entry);
    }
  },
  { step: 'initialize', name: 'benchRemindersTiming' },
);
function startTiming() {
  timing.byCommand.clear();
  timing.on = true;
}
function stopTiming(wallMs: number): Latency {
  timing.on = false;
  const all = [...timing.byCommand.values()].reduce((sum, e) => sum + e.ms, 0);
  return {
    inFlight: r2(all / wallMs),
    meanMs: Object.fromEntries(
      [...timing.byCommand].sort(([a], [b]) => a.localeCompare(b)).map(([command, e]) => [command, r2(e.ms / e.n)]),
    ),
  };
}

/** Runs `work` over items with at most `limit` at once (the dispatcher's own lanes). */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Seeding: BatchWriteItem of 25, 16 in flight, unprocessed items sent again. */
async function seed(items: Item[]) {
  const chunks = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, (i + 1) * 25));
  await inParallel(chunks, 16, async (chunk) => {
    let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length; attempt++) {
      if (attempt > 5) throw new Error('seed: items left unprocessed');
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** Reads items back by key (consistent BatchGetItem of 100, 8 in flight): for the checks only. */
async function readBack(keyList: { pk: string; sk: string }[]): Promise<Item[]> {
  const found: Item[] = [];
  const chunks = Array.from({ length: Math.ceil(keyList.length / 100) }, (_, i) =>
    keyList.slice(i * 100, (i + 1) * 100),
  );
  await inParallel(chunks, 8, async (chunk) => {
    let pending: typeof chunk = chunk;
    while (pending.length) {
      const out = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...((out.Responses?.[tableName] ?? []) as Item[]));
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof chunk;
    }
  });
  return found;
}

function clearOutboxes() {
  rmSync(outboxRoot, { recursive: true, force: true });
  mkdirSync(smsDir, { recursive: true });
  mkdirSync(mailDir, { recursive: true });
}
const outboxFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { messageId: string; recipient: string })
    : [];

const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
const perReminder = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, c]) => [command, r4(c / n)]),
  );
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

// --- A dispatcher in a process of its own ------------------------------------------------------------

type FromDispatcher = { kind: 'ready' } | { kind: 'done'; run: Omit<DispatchRun, 'wallSeconds'> };

/**
 * This file started again with BENCH_REMINDERS_DISPATCH=<now>: loads the modules, says ready, waits
 * for the signal, runs `dispatchReminders` once at <now> with the payload's defaults (as the schedule
 * would), and sends back what it measured. A fresh process, so its memory is the dispatcher's.
 */
async function dispatcherProcess(at: string, id: string) {
  const payload = dispatchPayloadSchema.parse({});
  const send = (message: FromDispatcher) => new Promise<void>((ok) => process.send!(message, () => ok()));
  const go = new Promise<void>((ok) => process.once('message', () => ok()));
  const profile = process.env.BENCH_REMINDERS_PROFILE === '1' ? new Session() : undefined;
  if (profile) {
    profile.connect();
    await profile.post('Profiler.enable');
    await profile.post('Profiler.setSamplingInterval', { interval: 500 });
  }
  gc();
  await send({ kind: 'ready' });
  await go;
  if (profile) await profile.post('Profiler.start');
  resetRequestCounts();
  const ready = process.memoryUsage();
  let rssPeak = ready.rss;
  let heapPeak = ready.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 20);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const load = loadavg()[0]!;
  startTiming();
  const t0 = performance.now();
  const summary: JobSummary = await dispatchReminders({
    payload,
    now: new Date(at),
    origin: internalOrigin(`bench-${id}`, 'schedule/reminders-dispatch'),
    enqueue: async () => {},
  });
  const seconds = (performance.now() - t0) / 1000;
  const latency = stopTiming(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const loop = performance.eventLoopUtilization(elu);
  loopDelay.disable();
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const requests = requestCounts();
  if (profile) {
    const { profile: cpuProfile } = await profile.post('Profiler.stop');
    mkdirSync(benchDir, { recursive: true });
    writeFileSync(join(benchDir, `reminders-dispatch-${id}.cpuprofile`), JSON.stringify(cpuProfile));
    profile.disconnect();
  }
  await send({
    kind: 'done',
    run: {
      id,
      summary,
      seconds: r2(seconds),
      requests,
      latency,
      cpuMs: Math.round((used.user + used.system) / 1000),
      eventLoopUtilization: r2(loop.utilization),
      loopDelayP99Ms: r2(loopDelay.percentile(99) / 1e6),
      loopDelayMaxMs: r2(loopDelay.max / 1e6),
      rssReadyMb: mb(ready.rss),
      rssPeakMb: mb(rssPeak),
      heapReadyMb: mb(ready.heapUsed),
      heapPeakMb: mb(heapPeak),
      loadAverage: [r2(load), r2(loadavg()[0]!)],
    },
  });
  process.exit(0);
}

if (dispatchAt) await dispatcherProcess(dispatchAt, process.env.BENCH_REMINDERS_RUN ?? 'a');

/** Starts one dispatcher process per id, and once all are ready, lets them go together. */
async function dispatchers(at: Date, ids: string[]): Promise<DispatchRun[]> {
  const script = resolve(root, 'bench', 'reminders-child.ts');
  const started = ids.map((id) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, BENCH_REMINDERS_DISPATCH: at.toISOString(), BENCH_REMINDERS_RUN: id, BENCH_OUT: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: FromDispatcher[] = [];
    const waiting: ((m: FromDispatcher) => void)[] = [];
    let failure: Error | undefined;
    const failed: ((e: Error) => void)[] = [];
    child.on('message', (m: FromDispatcher) => (waiting.length ? waiting.shift()!(m) : messages.push(m)));
    child.once('exit', (code) => {
      failure = new Error(`dispatcher ${id} exited (code ${code})`);
      for (const f of failed) f(failure);
    });
    const next = () =>
      new Promise<FromDispatcher>((ok, fail) => {
        if (messages.length) return ok(messages.shift()!);
        if (failure) return fail(failure);
        waiting.push(ok);
        failed.push(fail);
      });
    return { child, next };
  });
  for (const s of started) if ((await s.next()).kind !== 'ready') throw new Error('dispatcher: not ready');
  const t0 = performance.now();
  for (const s of started) s.child.send('go');
  const done = await Promise.all(started.map((s) => s.next()));
  const wallSeconds = r2((performance.now() - t0) / 1000);
  return done.map((m) => {
    if (m.kind !== 'done') throw new Error('dispatcher: no result');
    return { ...m.run, wallSeconds };
  });
}

// --- The world ----------------------------------------------------------------------------------------

const setupStarted = performance.now();
// The schedule's time: the last whole minute. Reminders are due in the 5 minutes before it.
const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const nowIso = now.toISOString();
const plannedAt = new Date(now.getTime() - 3 * 86_400_000).toISOString();

interface Patient {
  centreId: string;
  patientId: string;
  practitionerId: string;
  firstName: string;
  lastName: string;
  channel: 'sms' | 'email';
  phone: string;
  email?: string;
}
const typeOf = new Map<string, string>();
const patients: Patient[] = [];
const worldItems: Item[] = [];
for (let c = 0; c < CENTRES; c++) {
  const centreId = newId();
  const practitionerId = newId();
  const name = `Centre bench ${String(c).padStart(3, '0')}`;
  const centre: Centre = {
    centreId,
    kind: 'centre',
    name,
    timeZone: ZONE,
    locale: LOCALES[c % LOCALES.length]!,
    openingHours: [],
    locations: [],
    status: 'active',
    version: 1,
    createdAt: plannedAt,
    updatedAt: plannedAt,
  };
  worldItems.push(centrePut(centre).Put!.Item!);
  const member: Omit<Membership, 'version'> = {
    centreId,
    centreName: name,
    userId: practitionerId,
    role: 'practitioner',
    status: 'active',
    servedPractitionerIds: [],
    firstName: 'Julie',
    lastName: `Kiné${c}`,
    email: `practitioner-${c}@bench.example`,
    joinedAt: plannedAt,
  };
  worldItems.push(membershipPut(member).Put!.Item!);
  if (c % 2 === 0)
    worldItems.push({
      ...keys.reminderRules(centreId),
      entity: 'ReminderRules',
      ...DEFAULT_RULES,
      sms: { monthlyCap: 100_000, perPhoneDailyLimit: 5 },
      version: 1,
    });
  typeOf.set(centreId, newId());
  for (let k = 0; k < PER_CENTRE; k++) {
    const channel = k % 5 < 3 ? 'sms' : 'email';
    const patient: Patient = {
      centreId,
      patientId: newId(),
      practitionerId,
      firstName: ['Léa', 'Noah', 'Emma', 'Lucas', 'Chloé', 'Liam'][k % 6]!,
      lastName: `Patient${c}x${k}`,
      channel,
      // Unique Belgian mobile numbers: +32 47c ccc kkk (the per-phone limit counts per number).
      phone: `+3247${String(c).padStart(3, '0')}${String(k).padStart(4, '0')}`,
      ...(channel === 'email' || k % 5 === 0 ? { email: `p${c}-${k}@bench.example` } : {}),
    };
    patients.push(patient);
    worldItems.push(
      patientItem({
        centreId,
        patientId: patient.patientId,
        practitionerId,
        firstName: patient.firstName,
        lastName: patient.lastName,
        birthDate: '1980-01-01',
        phone: patient.phone,
        ...(patient.email ? { email: patient.email } : {}),
        ...(k % 4 === 3 ? {} : { locale: LOCALES[(c + k) % LOCALES.length]! }),
        relatedPersons: [],
        correspondents: [],
        // One in ten refused the portal: their reminder carries no links.
        portalOptOut: k % 10 === 9,
        status: 'active',
        version: 1,
        createdAt: plannedAt,
        updatedAt: plannedAt,
        createdBy: practitionerId,
      }),
    );
  }
}

/** The appointments of the reminders (the dispatcher reads each as it is when sending). */
const appointmentItems: Item[] = [];

/** A patient's appointment a day after `dueAt`, with its own reminder planned, as the agenda writes them. */
function reminderItem(p: Patient, dueAt: string) {
  const typeId = typeOf.get(p.centreId)!;
  const start = new Date(Date.parse(dueAt) + 86_400_000).toISOString();
  const appointment: StoredAppointment = {
    centreId: p.centreId,
    appointmentId: newId(),
    practitionerId: p.practitionerId,
    patientId: p.patientId,
    patient: { firstName: p.firstName, lastName: p.lastName },
    appointmentTypeId: typeId,
    typeName: 'Séance 30′',
    start,
    end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    timeZone: ZONE,
    localDate: start.slice(0, 10),
    localStart: start.slice(0, 16),
    durationMinutes: 30,
    status: 'booked',
    units: 1,
    sequence: 1,
    version: 1,
    createdAt: plannedAt,
    createdBy: p.practitionerId,
    updatedAt: plannedAt,
  };
  const reminder = reminderPut(appointment, { ruleKey: 'patient', channel: p.channel, dueAt }, plannedAt).Put!.Item!;
  appointmentItems.push(appointmentItem({ ...appointment, plannedReminders: [reminder.sk as string] }));
  return reminder;
}
const minutesBefore = (at: Date, m: number) => new Date(at.getTime() - m * 60_000).toISOString();
const keyOf = (item: Item | { pk: string; sk: string }) => ({ pk: item.pk as string, sk: item.sk as string });
/** What the bench keeps of a seeded reminder (the items themselves are let go before measuring). */
interface Ref {
  pk: string;
  sk: string;
  channel: string;
  dueAt: string;
}
const refOf = (item: Item): Ref => ({ ...keyOf(item), channel: item.channel as string, dueAt: item.dueAt as string });

// A: due at whole minutes in the 5 minutes before `now`. Floor sets and warm-up: due 3 days before
// (outside every run's window), so no dispatcher finds them; the same items otherwise.
const due = patients.map((p, i) => reminderItem(p, minutesBefore(now, 1 + (i % 5))));
const longAgo = new Date(now.getTime() - 3 * 86_400_000);
const floorBefore = patients.map((p) => reminderItem(p, minutesBefore(longAgo, 1)));
const floorAfter = patients.map((p) => reminderItem(p, minutesBefore(longAgo, 2)));
const warmup = patients.map((p) => reminderItem(p, minutesBefore(longAgo, 3)));
// C: the next run (now + 5 min), due after `now` and by it; the first centres' patients (a second SMS
// to some phones today, under both limits).
const raceNow = new Date(now.getTime() + 5 * 60_000);
const race = patients.slice(0, RACE).map((p, i) => reminderItem(p, minutesBefore(raceNow, i % 5)));

const seedStarted = performance.now();
await seed([...worldItems, ...appointmentItems, ...due, ...floorBefore, ...floorAfter, ...warmup, ...race]);
const seeded =
  worldItems.length +
  appointmentItems.length +
  due.length +
  floorBefore.length +
  floorAfter.length +
  warmup.length +
  race.length;
const seedSeconds = (performance.now() - seedStarted) / 1000;
const setupSeconds = r2((performance.now() - setupStarted) / 1000);
console.log(
  `  reminders: seeded ${seeded} items in ${seedSeconds.toFixed(1)} s (${Math.round(seeded / seedSeconds)} items/s)`,
);
const dueRefs = due.map(refOf);
const floorBeforeRefs = floorBefore.map(refOf);
const floorAfterRefs = floorAfter.map(refOf);
const warmupRefs = warmup.map(refOf);
const raceRefs = race.map(refOf);
for (const list of [worldItems, due, floorBefore, floorAfter, warmup, race]) list.length = 0;

// --- The floor: one raw conditional UpdateItem per reminder ------------------------------------------

async function rawClaims(items: Ref[]) {
  let claimed = 0;
  await inParallel(items, FLOOR_CONCURRENCY, async (item) => {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(item),
        ConditionExpression: '#status = :pending',
        UpdateExpression: 'SET #status = :sending REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':sending': 'sending' },
      }),
    );
    claimed++;
  });
  return claimed;
}

async function measureFloor(label: string, items: Ref[]): Promise<Floor> {
  gc();
  resetRequestCounts();
  const cpu = process.cpuUsage();
  startTiming();
  const t0 = performance.now();
  const claimed = await rawClaims(items);
  const seconds = (performance.now() - t0) / 1000;
  const latency = stopTiming(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const counts = requestCounts();
  if (claimed !== items.length) throw new Error(`floor ${label}: ${claimed}/${items.length} claimed`);
  return {
    label,
    reminders: items.length,
    seconds: r2(seconds),
    perSecond: Math.round(items.length / seconds),
    requests: counts,
    requestsPerReminder: r4(total(counts) / items.length),
    latency,
    cpuMsPerReminder: r4((used.user + used.system) / 1000 / items.length),
  };
}

// The engine's conditional-write path warmed first (not measured, not counted).
const warmupStarted = performance.now();
await rawClaims(warmupRefs);
const warmupSeconds = (performance.now() - warmupStarted) / 1000;
console.log(`  reminders: engine warm-up ${Math.round(warmupRefs.length / warmupSeconds)}/s`);
const floor1 = await measureFloor('before A', floorBeforeRefs);
console.log(`  reminders: floor (before) ${floor1.perSecond}/s`);

// --- A. The dispatcher, once, on 10 000 due reminders --------------------------------------------------

clearOutboxes();
const [runA] = await dispatchers(now, ['a']);
const { summary, seconds } = runA!;
const counts = runA!.requests;
// Checked: every reminder accepted once, its provider id the one of exactly one outbox file.
async function check(items: Ref[]) {
  gc();
  const stored = await readBack(items.map(keyOf));
  const byStatus: Record<string, number> = {};
  for (const s of stored) byStatus[s.status as string] = (byStatus[s.status as string] ?? 0) + 1;
  const sms = outboxFiles(smsDir);
  const mail = outboxFiles(mailDir);
  const files = [...sms, ...mail];
  const fileIds = new Set(files.map((f) => f.messageId));
  const accepted = stored.filter((s) => s.status === 'accepted');
  const matched = accepted.filter((s) => fileIds.has(s.providerMessageId as string)).length;
  const recipients = new Set(files.map((f) => f.recipient)).size;
  const plannedSms = items.filter((i) => i.channel === 'sms').length;
  const sentBySms = accepted.filter((s) => s.channel === 'sms').length;
  const smsSent = accepted
    .filter((s) => s.channel === 'sms')
    .map((s) => ({ recipient: s.recipient as string, centreId: s.centreId as string }));
  return {
    smsSent,
    reminders: items.length,
    stored: stored.length,
    byStatus,
    accepted: accepted.length,
    outboxSms: sms.length,
    outboxEmail: mail.length,
    outboxMatched: matched,
    distinctRecipients: recipients,
    plannedSms,
    sentBySms,
    inDueIndex: stored.filter((s) => s.gsi1pk !== undefined).length,
    exactlyOnce:
      accepted.length === items.length &&
      files.length === items.length &&
      fileIds.size === items.length &&
      matched === items.length &&
      recipients === items.length,
  };
}
const checkA = await check(dueRefs);

/**
 * The SMS counters against the SMS sent: each phone's count of the day (the per-phone limit) and
 * each centre's count of the month (the cap) must rise by exactly the SMS sent to it.
 */
const phoneHash = (phone: string) => createHash('sha256').update(phone).digest('base64url');
const smsPhones = [...new Set(patients.filter((p) => p.channel === 'sms').map((p) => p.phone))];
const centreIds = [...new Set(patients.map((p) => p.centreId))];
async function counters(at: Date) {
  const day = at.toISOString().slice(0, 10);
  const month = at.toISOString().slice(0, 7);
  const phoneKeys = smsPhones.map((phone) => ({ phone, key: keys.smsPhoneCounter(phoneHash(phone), day) }));
  const centreKeys = centreIds.map((centreId) => ({ centreId, key: keys.smsMonthCounter(centreId, month) }));
  const items = await readBack([...phoneKeys.map((k) => k.key), ...centreKeys.map((k) => k.key)]);
  const sentOf = new Map(items.map((i) => [`${i.pk as string}#${i.sk as string}`, Number(i.sent ?? 0)]));
  const of = (key: { pk: string; sk: string }) => sentOf.get(`${key.pk}#${key.sk}`) ?? 0;
  return {
    phones: new Map(phoneKeys.map((k) => [k.phone, of(k.key)])),
    centres: new Map(centreKeys.map((k) => [k.centreId, of(k.key)])),
  };
}
/** How the counters moved from `before` to `after` against the SMS accepted (by recipient and centre). */
function counterCheck(
  before: Awaited<ReturnType<typeof counters>> | undefined,
  after: Awaited<ReturnType<typeof counters>>,
  sent: { recipient: string; centreId: string }[],
): CounterCheck {
  const perPhone = new Map<string, number>();
  const perCentre = new Map<string, number>();
  for (const x of sent) {
    perPhone.set(x.recipient, (perPhone.get(x.recipient) ?? 0) + 1);
    perCentre.set(x.centreId, (perCentre.get(x.centreId) ?? 0) + 1);
  }
  const phoneDiff: Record<string, number> = {};
  for (const [phone, n] of after.phones) {
    const diff = n - (before?.phones.get(phone) ?? 0) - (perPhone.get(phone) ?? 0);
    phoneDiff[diff] = (phoneDiff[diff] ?? 0) + 1;
  }
  const centreDiff: Record<string, number> = {};
  for (const [centreId, n] of after.centres) {
    const diff = n - (before?.centres.get(centreId) ?? 0) - (perCentre.get(centreId) ?? 0);
    centreDiff[diff] = (centreDiff[diff] ?? 0) + 1;
  }
  return {
    smsSent: sent.length,
    phones: after.phones.size,
    phonesCountedRight: phoneDiff['0'] ?? 0,
    phoneDiff,
    centres: after.centres.size,
    centresCountedRight: centreDiff['0'] ?? 0,
    centreDiff,
  };
}
const countersA = await counters(now);
const countersCheckA = counterCheck(undefined, countersA, checkA.smsSent);

/**
 * The Queries the run needs: one per hour and shard of the due index it reads (the schedule's budget,
 * 16, is two hours with nothing due), and one more per 1 000 reminders found in a partition (a page).
 */
const found = new Map<string, number>();
for (const r of dueRefs) {
  const partition = `${bucketOf(r.dueAt)}#${shardOf(`${r.pk}#${r.sk}`)}`;
  found.set(partition, (found.get(partition) ?? 0) + 1);
}
const indexQueries = bucketsBetween(String(summary.from), nowIso).reduce(
  (sum, bucket) =>
    sum +
    Array.from(
      { length: DUE_SHARDS },
      (_, shard) => Math.floor((found.get(`${bucket}#${shard}`) ?? 0) / 1000) + 1,
    ).reduce((a, b) => a + b, 0),
  0,
);
console.log(`  reminders: A ${Math.round(N / seconds)}/s, ${checkA.accepted}/${N} accepted`);

// Only now (after A): what writing the outbox costs alone — as many files, of the same size, written
// the same way (synchronously, pretty JSON, mode 0600) into the same file system.
const sample = [...outboxFiles(smsDir).slice(0, 50), ...outboxFiles(mailDir).slice(0, 50)];
const probeDir = join(outboxRoot, 'probe');
mkdirSync(probeDir, { recursive: true });
const probeStarted = performance.now();
for (let i = 0; i < N; i++) {
  const file = { ...sample[i % sample.length]!, messageId: newId() };
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(join(probeDir, `${file.messageId}.json`), JSON.stringify(file, null, 2), { mode: 0o600 });
}
const outboxMs = performance.now() - probeStarted;
rmSync(probeDir, { recursive: true, force: true });

const floor2 = await measureFloor('after A', floorAfterRefs);
console.log(`  reminders: floor (after) ${floor2.perSecond}/s`);

// --- C. Two dispatchers at once on the next run's reminders -------------------------------------------

clearOutboxes();
const raceRuns = await dispatchers(raceNow, ['c1', 'c2']);
const raceCounts: Record<string, number> = {};
for (const r of raceRuns)
  for (const [command, n] of Object.entries(r.requests)) raceCounts[command] = (raceCounts[command] ?? 0) + n;
const checkC = await check(raceRefs);
const countersCheckC = counterCheck(
  raceNow.toISOString().slice(0, 10) === nowIso.slice(0, 10) ? countersA : undefined,
  await counters(raceNow),
  checkC.smsSent,
);
const raceResult: RaceResult = {
  reminders: RACE,
  seconds: raceRuns[0]!.wallSeconds,
  runs: raceRuns,
  sent: raceRuns.reduce((n, r) => n + Number(r.summary.sent), 0),
  lost: raceRuns.reduce((n, r) => n + Number(r.summary.lost), 0),
  requests: raceCounts,
  check: { ...checkC, smsSent: checkC.smsSent.length },
  counters: countersCheckC,
};
rmSync(outboxRoot, { recursive: true, force: true });

const floorSeconds = (floor1.seconds + floor2.seconds) / 2;
const ourRequests = total(counts);
const result: RemindersResult = {
  centres: CENTRES,
  perCentre: PER_CENTRE,
  reminders: N,
  now: nowIso,
  batchSize: dispatchPayloadSchema.parse({}).batchSize,
  timeoutSeconds: reminders.jobs!.timeoutSeconds,
  memoryMb: reminders.jobs!.memoryMb,
  indexQueries,
  warmupPerSecond: Math.round(warmupRefs.length / warmupSeconds),
  setupSeconds,
  seeded,
  seedSeconds: r2(seedSeconds),
  outboxDir: outboxRoot,
  ours: {
    ...runA!,
    perSecond: Math.round(N / seconds),
    requestsPerReminder: r4(ourRequests / N),
    perReminder: perReminder(counts, N),
    cpuMsPerReminder: r4(runA!.cpuMs / N),
    cpuShare: r2(runA!.cpuMs / (seconds * 1000)),
    check: { ...checkA, smsSent: checkA.smsSent.length },
    counters: countersCheckA,
  },
  outbox: { files: N, ms: Math.round(outboxMs), usPerFile: Math.round((outboxMs * 1000) / N) },
  floor: {
    runs: [floor1, floor2],
    seconds: r2(floorSeconds),
    perSecond: Math.round(N / floorSeconds),
    requestsPerReminder: r4((floor1.requestsPerReminder + floor2.requestsPerReminder) / 2),
  },
  ratios: {
    time: r2(seconds / floorSeconds),
    requests: r2(ourRequests / N / ((floor1.requestsPerReminder + floor2.requestsPerReminder) / 2)),
    timeWithoutOutbox: r2((seconds - outboxMs / 1000) / floorSeconds),
  },
  race: raceResult,
};
writeChildResult(result);
// The SDK's keep-alive sockets would keep the process alive.
process.exit(0);
