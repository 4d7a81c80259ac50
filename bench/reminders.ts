import { CLAIM_CHUNK } from '#functions/reminders/planning';
import type { JobSummary } from '#shared/jobs/pipeline';
import { printTable, runChild, type Target } from './lib';

/**
 * Part 6: the reminders dispatcher on 10 000 due reminders across 200 centres, against the floor of
 * its raw conditional writes on the same engine, and two dispatchers racing on 2 000 more
 * (bench/reminders-child.ts seeds and measures in a child process with request counting on; this
 * module runs it, prints its tables and states its targets).
 */
/** Mean latency of a request by command (ms, as the client sees it), and the mean number in flight. */
export interface Latency {
  inFlight: number;
  meanMs: Record<string, number>;
}

export interface Floor {
  label: string;
  reminders: number;
  seconds: number;
  perSecond: number;
  requests: Record<string, number>;
  requestsPerReminder: number;
  latency: Latency;
  cpuMsPerReminder: number;
}

export interface SentCheck {
  reminders: number;
  /** Reminder items read back (consistent BatchGetItem). */
  stored: number;
  byStatus: Record<string, number>;
  accepted: number;
  outboxSms: number;
  outboxEmail: number;
  /** Accepted reminders whose provider message id is the id of an outbox file. */
  outboxMatched: number;
  distinctRecipients: number;
  plannedSms: number;
  sentBySms: number;
  /** Reminders still in the due index (gsi1) after the run. */
  inDueIndex: number;
  /** SMS accepted. */
  smsSent: number;
  exactlyOnce: boolean;
}

/** One dispatcher process's run: `dispatchReminders` once, measured inside that process. */
export interface DispatchRun {
  id: string;
  summary: JobSummary;
  /** Around `dispatchReminders`, in its process. */
  seconds: number;
  /** From the signal to go to the last process's answer (the parent's clock). */
  wallSeconds: number;
  requests: Record<string, number>;
  latency: Latency;
  cpuMs: number;
  eventLoopUtilization: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** After loading the modules and a full GC, before the run. */
  rssReadyMb: number;
  /** Sampled every 20 ms during the run. */
  rssPeakMb: number;
  heapReadyMb: number;
  heapPeakMb: number;
  /** The machine's 1-minute load average at the start and the end of the run. */
  loadAverage: [number, number];
}

/** The SMS counters against the SMS accepted: how far each one is off (`{ "0": n }`: all right). */
export interface CounterCheck {
  smsSent: number;
  phones: number;
  phonesCountedRight: number;
  /** Phones by (counter rise − SMS sent to them): `{ "0": 5000, "1": 1000 }`. */
  phoneDiff: Record<string, number>;
  centres: number;
  centresCountedRight: number;
  centreDiff: Record<string, number>;
}

export interface RaceResult {
  reminders: number;
  seconds: number;
  runs: DispatchRun[];
  sent: number;
  lost: number;
  requests: Record<string, number>;
  check: SentCheck;
  counters: CounterCheck;
}

export interface RemindersResult {
  centres: number;
  perCentre: number;
  reminders: number;
  now: string;
  batchSize: number;
  /** The jobs function's timeout (functions/reminders/context.ts). */
  timeoutSeconds: number;
  /** The jobs function's memory (functions/reminders/context.ts). */
  memoryMb: number;
  /** Queries the run needs: one per hour × shard of the due index read, and one more per 1 000 found there. */
  indexQueries: number;
  /** Raw claims per second while warming the engine (not measured). */
  warmupPerSecond: number;
  setupSeconds: number;
  seeded: number;
  seedSeconds: number;
  outboxDir: string;
  ours: DispatchRun & {
    perSecond: number;
    requestsPerReminder: number;
    perReminder: Record<string, number>;
    cpuMsPerReminder: number;
    /** CPU time of the process / wall time (1 = one core busy throughout). */
    cpuShare: number;
    check: SentCheck;
    counters: CounterCheck;
  };
  /** Writing as many outbox files alone, the same way, after run A. */
  outbox: { files: number; ms: number; usPerFile: number };
  floor: { runs: Floor[]; seconds: number; perSecond: number; requestsPerReminder: number };
  ratios: { time: number; requests: number; timeWithoutOutbox: number };
  race: RaceResult;
}

export function measureReminders(dynamodbEndpoint: string) {
  return runChild<RemindersResult>(
    'reminders-child.ts',
    { DYNAMODB_ENDPOINT: dynamodbEndpoint, CENTRUM_COUNT_REQUESTS: '1', LOG_LEVEL: 'SILENT' },
    'reminders',
  );
}

/**
 * What functions/reminders/context.ts declares for a run (its schedule's budget, and its comment):
 * GetItem 1, PutItem 1 per run, and a Query per hour × shard of the due index read (the budget's 16 is two
 * hours with nothing due) plus one per page of 1 000 found; per reminder sent its claim and record (UpdateItem 2, 3 for an
 * SMS with the per-phone count); per batch one BatchGetItem per 100 keys of context (at most 6 keys a
 * reminder: centre, rules, patient, preferences, practitioner, appointment) and one BatchWriteItem per 25 audit records;
 * per centre of a chunk of claims (CLAIM_CHUNK, 64), its SMS reservation and what it gives back
 * (UpdateItem 2; due reminders are batched by centre, so a chunk spans at most ⌈chunk / per centre⌉
 * + 1 centres).
 */
export function declared(r: RemindersResult): Record<string, number> {
  const n = r.reminders;
  const batches = Math.ceil(n / r.batchSize);
  const last = n - (batches - 1) * r.batchSize;
  const perBatch = (size: number, per: number) => Math.ceil(size / per);
  const chunks = (batches - 1) * perBatch(r.batchSize, CLAIM_CHUNK) + perBatch(last, CLAIM_CHUNK);
  return {
    BatchGetItem: (batches - 1) * perBatch(6 * r.batchSize, 100) + perBatch(6 * last, 100),
    BatchWriteItem: (batches - 1) * perBatch(r.batchSize, 25) + perBatch(last, 25),
    GetItem: 1,
    PutItem: 1,
    Query: r.indexQueries,
    UpdateItem: 2 * n + r.ours.check.sentBySms + 2 * chunks * (Math.ceil(CLAIM_CHUNK / r.perCentre) + 1),
  };
}

const commands = (r: RemindersResult) =>
  [...new Set([...Object.keys(r.ours.requests), ...Object.keys(declared(r))])].sort((a, b) => a.localeCompare(b));
const overDeclared = (r: RemindersResult) => {
  const d = declared(r);
  return commands(r).filter((c) => (r.ours.requests[c] ?? 0) > (d[c] ?? 0));
};
const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const formatCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, n]) => `${command}:${n}`)
    .join(' ');

const diffs = (d: Record<string, number>) =>
  Object.entries(d)
    .filter(([k]) => k !== '0')
    .map(([k, n]) => `${n} off by ${Number(k) > 0 ? '+' : ''}${k}`)
    .join(', ');
const countersRight = (c: CounterCheck) => c.phonesCountedRight === c.phones && c.centresCountedRight === c.centres;
const counterRow = (run: string, c: CounterCheck) => ({
  check: `${run}: SMS counters rose by the SMS sent — per phone and day (limit), per centre and month (cap)`,
  value: `${c.smsSent} SMS; phones ${c.phonesCountedRight}/${c.phones} right${diffs(c.phoneDiff) ? ` (${diffs(c.phoneDiff)})` : ''}; centres ${c.centresCountedRight}/${c.centres} right${diffs(c.centreDiff) ? ` (${diffs(c.centreDiff)})` : ''}`,
  status: countersRight(c) ? 'OK' : 'MISMATCH',
});

export function printReminders(r: RemindersResult) {
  const a = r.ours;
  const floorText = r.floor.runs.map((f) => `${f.perSecond}/s ${f.label}`).join(', ');
  printTable(
    `Part 6: reminders dispatch, ${r.reminders} due across ${r.centres} centres (one run at ${r.now}, batches of ${r.batchSize}; setup ${r.setupSeconds} s, of which seeding ${r.seeded} items ${r.seedSeconds} s)`,
    [
      {
        run: 'A. ours: dispatchReminders once (its own process)',
        reminders: r.reminders,
        's wall': a.seconds,
        'reminders/s': a.perSecond,
        'requests/reminder': a.requestsPerReminder,
        'CPU ms/reminder': a.cpuMsPerReminder,
        'in flight': a.latency.inFlight,
        answer: `sent ${a.summary.sent}, skipped ${a.summary.skipped}, failed ${a.summary.failed}, lost ${a.summary.lost}`,
      },
      ...r.floor.runs.map((f) => ({
        run: `B. floor: raw conditional UpdateItem, 32 in flight (${f.label})`,
        reminders: f.reminders,
        's wall': f.seconds,
        'reminders/s': f.perSecond,
        'requests/reminder': f.requestsPerReminder,
        'CPU ms/reminder': f.cpuMsPerReminder,
        'in flight': f.latency.inFlight,
        answer: `claimed ${f.reminders}, UpdateItem ${f.latency.meanMs.UpdateItem ?? '-'} ms`,
      })),
      {
        run: 'ours / floor (floor: mean of the two)',
        's wall': r.ratios.time,
        'requests/reminder': r.ratios.requests,
        answer: `throughput ${a.perSecond} vs ${r.floor.perSecond}/s (${floorText})`,
      },
      {
        run: 'ours / floor, without the outbox files',
        's wall': r.ratios.timeWithoutOutbox,
        answer: `${r.outbox.files} files alone: ${r.outbox.ms} ms (${r.outbox.usPerFile} µs each, ${r.outboxDir.startsWith('/dev/shm') ? 'tmpfs' : 'disk'}), synchronous: the event loop waits`,
      },
    ],
    `Reminders due at whole minutes in the 5 minutes before the run: 60 % SMS, 40 % e-mail; 1 in 10 patients without the portal (no links); every other centre with a rules item (SMS cap 100 000, 5 a phone a day), the others with the defaults. Outboxes: JSON files in ${r.outboxDir}. Floor: the claim alone (status pending → sending, out of the due index) on 10 000 other reminder items of the same shape, through the same document client, once before and once after A (the JVM drifts); the engine's conditional writes warmed first on 10 000 more (${r.warmupPerSecond}/s). In flight: requests in flight on average (Σ request time / wall time; the floor keeps its 32 lanes busy).`,
  );

  const d = declared(r);
  const floorCounts = r.floor.runs[0]!.requests;
  printTable(
    'Part 6b: DynamoDB requests of run A by command, against what functions/reminders/context.ts declares',
    [
      ...commands(r).map((c) => {
        const measured = a.requests[c] ?? 0;
        return {
          command: c,
          ours: measured,
          'ours/reminder': r3(measured / r.reminders),
          declared: d[c] ?? 0,
          'declared/reminder': r3((d[c] ?? 0) / r.reminders),
          'floor/reminder': r3((floorCounts[c] ?? 0) / r.reminders),
          'ours ms (mean)': a.latency.meanMs[c] ?? '',
          'floor ms (mean)': r.floor.runs.map((f) => f.latency.meanMs[c] ?? '-').join(' / '),
          check: measured > (d[c] ?? 0) ? 'OVER' : 'OK',
        };
      }),
      {
        command: 'total',
        ours: sum(a.requests),
        'ours/reminder': r3(sum(a.requests) / r.reminders),
        declared: sum(d),
        'declared/reminder': r3(sum(d) / r.reminders),
        'floor/reminder': r3(sum(floorCounts) / r.reminders),
        check: sum(a.requests) > sum(d) ? 'OVER' : 'OK',
      },
    ],
    `Declared: per run GetItem 1, PutItem 1 and a Query per hour × shard of the due index (16 for two hours with nothing due; the budget: 200, a day's catch-up) and per page of 1 000 found; per reminder UpdateItem 2 (claim, record), 3 for an SMS (per-phone count); per batch of ${r.batchSize} one BatchGetItem per 100 keys of context (≤ 6 keys a reminder) and one BatchWriteItem per 25 audit records; per centre of a chunk of ${CLAIM_CHUNK} claims UpdateItem 2 (SMS reservation, what is given back). SMS sent: ${a.check.sentBySms} of ${a.check.plannedSms} planned. ms: mean time of one request as the client sees it (floor: before / after A).`,
  );

  const c = r.race.check;
  printTable('Part 6c: checks, memory, and two dispatchers at once', [
    {
      check: `A: ${r.reminders} reminders read back`,
      value: `${formatCounts(a.check.byStatus)}; ${a.check.inDueIndex} still in the due index`,
      status: a.check.accepted === r.reminders && a.check.inDueIndex === 0 ? 'OK' : 'MISMATCH',
    },
    {
      check: 'A: outbox files (SMS + e-mail), each an accepted reminder’s provider id, distinct recipients',
      value: `${a.check.outboxSms} + ${a.check.outboxEmail} = ${a.check.outboxSms + a.check.outboxEmail}; ${a.check.outboxMatched} matched; ${a.check.distinctRecipients} recipients`,
      status: a.check.exactlyOnce ? 'OK' : 'MISMATCH',
    },
    counterRow('A', a.counters),
    {
      check: 'A: the dispatcher process — RSS ready → peak (sampled every 20 ms); heap ready → peak',
      value: `${a.rssReadyMb} → ${a.rssPeakMb} MB; heap ${a.heapReadyMb} → ${a.heapPeakMb} MB (the jobs function has ${r.memoryMb} MB)`,
      status: '(info)',
    },
    {
      check: 'A: the dispatcher process — CPU / wall, event-loop utilisation, loop delay p99 / max',
      value: `${a.cpuShare}, ${a.eventLoopUtilization}, ${a.loopDelayP99Ms} / ${a.loopDelayMaxMs} ms`,
      status: '(info)',
    },
    {
      check: 'A: the machine — 1-minute load average at start / end (2 cores here: JVM, bench, anything else)',
      value: `${a.loadAverage[0]} / ${a.loadAverage[1]}`,
      status: '(info)',
    },
    {
      check: `A: within the jobs function's timeout (${r.timeoutSeconds} s, context.ts)`,
      value: `${a.seconds} s`,
      status: a.seconds <= r.timeoutSeconds ? 'OK' : 'OVER',
    },
    {
      check: `C: two dispatcher processes let go together on ${r.race.reminders} due by the next run`,
      value: `sent ${r.race.runs.map((x) => x.summary.sent).join(' + ')} = ${r.race.sent}, lost ${r.race.runs.map((x) => x.summary.lost).join(' + ')} = ${r.race.lost}, in ${r.race.seconds} s`,
      status: r.race.sent === r.race.reminders ? 'OK' : 'MISMATCH',
    },
    {
      check: 'C: read back; outbox files, matched, recipients',
      value: `${formatCounts(c.byStatus)}; ${c.outboxSms + c.outboxEmail} files, ${c.outboxMatched} matched, ${c.distinctRecipients} recipients`,
      status: c.exactlyOnce ? 'OK' : 'MISMATCH',
    },
    counterRow('C', r.race.counters),
    {
      check: 'C: DynamoDB requests of both runs',
      value: `${formatCounts(r.race.requests)} (${r3(sum(r.race.requests) / r.race.reminders)}/reminder)`,
      status: '(info)',
    },
  ]);
}

export function remindersTargets(r: RemindersResult): Target[] {
  const a = r.ours;
  const over = overDeclared(r);
  return [
    {
      part: 'reminders exactly once',
      target: `${r.reminders} due → ${r.reminders} accepted, one outbox file each`,
      measured: `sent ${a.summary.sent}, ${a.check.accepted} accepted, ${a.check.outboxSms + a.check.outboxEmail} files, ${a.check.outboxMatched} matched`,
      pass: a.check.exactlyOnce && Number(a.summary.sent) === r.reminders,
    },
    {
      part: 'reminders two dispatchers',
      target: `${r.race.reminders} due, two runs at once → sent once each`,
      measured: `sent ${r.race.sent}, lost ${r.race.lost}, ${r.race.check.outboxSms + r.race.check.outboxEmail} files`,
      pass: r.race.sent === r.race.reminders && r.race.check.exactlyOnce,
    },
    {
      part: 'reminders SMS counted once',
      target: 'per-phone and monthly SMS counters rise by the SMS sent (A, and C with two dispatchers)',
      measured: (['A', 'C'] as const)
        .map((run) => {
          const c = run === 'A' ? a.counters : r.race.counters;
          return `${run}: phones ${c.phonesCountedRight}/${c.phones}${diffs(c.phoneDiff) ? ` (${diffs(c.phoneDiff)})` : ''}, centres ${c.centresCountedRight}/${c.centres}${diffs(c.centreDiff) ? ` (${diffs(c.centreDiff)})` : ''}`;
        })
        .join('; '),
      pass: countersRight(a.counters) && countersRight(r.race.counters),
    },
    {
      part: 'reminders requests',
      target: `≤ context.ts's shape (${r3(sum(declared(r)) / r.reminders)}/reminder)`,
      measured: `${a.requestsPerReminder}/reminder${over.length ? `; over: ${over.map((c) => `${c} ${a.requests[c]}/${declared(r)[c] ?? 0}`).join(', ')}` : ''}`,
      pass: over.length === 0,
    },
    {
      part: `reminders ${r.reminders} in time`,
      target: `≤ ${r.timeoutSeconds} s (the jobs function's timeout)`,
      measured: `${a.seconds} s, ${a.perSecond}/s (floor ${r.floor.perSecond}/s, ours/floor time ${r.ratios.time})`,
      pass: a.seconds <= r.timeoutSeconds,
    },
  ];
}
