import { printTable, runChild, type Target } from './lib';

/**
 * Part 5: the agenda's centre day and free-slot search against the raw DynamoDB requests they make
 * (bench/agenda-child.ts measures, in a child process with request counting on; this module runs
 * it, prints its tables and states its targets).
 */
export const LATENCY_RATIO_TARGET = 2;

export interface AgendaOptions {
  calls: number;
  warmup: number;
  /** Patients per practitioner in the centre-day view (16: one distinct patient per appointment). */
  patientsPerPractitioner: number;
}

/** Latency (wall clock) and CPU time of this process per call, in ms, over the measured calls. */
export interface Side {
  p50: number;
  p99: number;
  mean: number;
  max: number;
  cpuMsP50: number;
  cpuMsMean: number;
}

export interface Scenario {
  name: string;
  calls: number;
  warmup: number;
  ours: Side;
  reference: Side;
  p50Ratio: number;
  p99Ratio: number;
  /** DynamoDB requests of one of our calls (the shape most calls had), e.g. `BatchGetItem:1 Query:2`. */
  requests: string;
  /** Every shape seen, with how many calls had it (one entry when every call made the same requests). */
  requestShapes: Record<string, number>;
  referenceRequests: string;
  expected: string;
  detail: Record<string, number>;
}

export interface AgendaResult {
  setupSeconds: number;
  dayDate: string;
  slotsFrom: string;
  patientsPerPractitioner: number;
  day: Scenario;
  slots: Scenario;
}

export function measureAgenda(dynamodbEndpoint: string, options: AgendaOptions) {
  return runChild<AgendaResult>(
    'agenda-child.ts',
    {
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      CENTRUM_COUNT_REQUESTS: '1',
      LOG_LEVEL: 'SILENT',
      BENCH_AGENDA_CALLS: String(options.calls),
      BENCH_AGENDA_WARMUP: String(options.warmup),
      BENCH_AGENDA_PATIENTS: String(options.patientsPerPractitioner),
    },
    'agenda',
  );
}

const requestsMatch = (s: Scenario) => s.requests === s.expected && Object.keys(s.requestShapes).length === 1;
const shapes = (s: Scenario) =>
  Object.keys(s.requestShapes).length === 1
    ? s.requests
    : Object.entries(s.requestShapes)
        .map(([shape, n]) => `${shape} (${n}×)`)
        .join('; ');
const r2 = (x: number) => Math.round(x * 100) / 100;

export function printAgenda(r: AgendaResult) {
  const { day, slots } = r;
  const rows = (s: Scenario, label: string, answer: string) =>
    (['ours', 'reference'] as const).map((who) => ({
      call: `${label} ${who === 'ours' ? 'ours (invoke → agenda handler)' : 'reference (raw lib-dynamodb)'}`,
      'p50 ms': s[who].p50,
      'p99 ms': s[who].p99,
      'mean ms': s[who].mean,
      'max ms': s[who].max,
      'CPU ms/call p50': s[who].cpuMsP50,
      'DynamoDB requests': who === 'ours' ? shapes(s) : s.referenceRequests,
      answer: who === 'ours' ? answer : '',
    }));
  printTable(
    `Part 5: agenda reads vs their raw DynamoDB requests (${day.calls} calls each after ${day.warmup} warm-up, ours and reference alternating; setup ${r.setupSeconds} s)`,
    [
      ...rows(
        day,
        `A. day ${r.dayDate}:`,
        `200, ${day.detail.items} items, ${day.detail.patients} patients → ${day.detail.auditItems} audit items`,
      ),
      ...rows(
        slots,
        `B. free slots ${r.slotsFrom} +28 d:`,
        `200, ${slots.detail.slots} slots (rules give ${slots.detail.expectedSlots})`,
      ),
    ],
    `A: 20 practitioners × 16 sessions of 30′ (08:00–16:00), ${r.patientsPerPractitioner} patients per practitioner (${r.patientsPerPractitioner === 16 ? 'one distinct patient per appointment' : 'patients repeat within a day'}), as the manager. B: one practitioner, mon–fri 08:00–12:00 and 13:00–18:00, 15′ grid, 30′ type, ${slots.detail.appointments} sessions on ${slots.detail.workDays} weekdays, one week of leave. CPU ms/call: this process (adapter, handler, SDK); DynamoDB Local runs apart.`,
  );
  printTable('Part 5b: ratios and DynamoDB requests per call', [
    ...(
      [
        ['A. centre day', day],
        ['B. free slots', slots],
      ] as const
    ).flatMap(([label, x]) => {
      return [
        {
          call: label,
          measure: 'p50 ours/reference',
          value: x.p50Ratio,
          target: `≤ ${LATENCY_RATIO_TARGET}`,
          status: x.p50Ratio <= LATENCY_RATIO_TARGET ? 'OK' : 'MISS',
        },
        { call: '', measure: 'p99 ours/reference', value: x.p99Ratio, target: '(info)', status: '' },
        {
          call: '',
          measure: 'ours − reference, p50 ms (latency)',
          value: r2(x.ours.p50 - x.reference.p50),
          target: '(info)',
          status: '',
        },
        {
          call: '',
          measure: 'ours − reference, CPU ms/call p50 (our work besides the requests)',
          value: r2(x.ours.cpuMsP50 - x.reference.cpuMsP50),
          target: '(info)',
          status: '',
        },
        {
          call: '',
          measure: `DynamoDB requests: ${shapes(x)}`,
          value: '',
          target: `= ${x.expected}`,
          status: requestsMatch(x) ? 'OK' : 'MISS',
        },
      ];
    }),
    {
      call: 'B. free slots',
      measure: 'slots returned / slots the rules give (computed by the bench)',
      value: `${slots.detail.slots}/${slots.detail.expectedSlots}`,
      target: '(check)',
      status: slots.detail.slots === slots.detail.expectedSlots ? 'OK' : 'MISMATCH',
    },
  ]);
}

export function agendaTargets(r: AgendaResult): Target[] {
  const { day, slots } = r;
  return [
    {
      part: 'agenda day requests',
      target: `= 1 BatchGetItem + 1 Query + ⌈(${day.detail.patients} + 1) / 25⌉ BatchWriteItem (${day.expected})`,
      measured: shapes(day),
      pass: requestsMatch(day),
    },
    {
      part: 'agenda slots requests',
      target: `= 1 BatchGetItem + 2 Query (${slots.expected})`,
      measured: shapes(slots),
      pass: requestsMatch(slots),
    },
    {
      part: 'agenda day p50',
      target: `ours/reference ≤ ${LATENCY_RATIO_TARGET}`,
      measured: `${day.p50Ratio} (${day.ours.p50}/${day.reference.p50} ms; p99 ${day.p99Ratio})`,
      pass: day.p50Ratio <= LATENCY_RATIO_TARGET,
    },
    {
      part: 'agenda slots p50',
      target: `ours/reference ≤ ${LATENCY_RATIO_TARGET}`,
      measured: `${slots.p50Ratio} (${slots.ours.p50}/${slots.reference.p50} ms; p99 ${slots.p99Ratio})`,
      pass: slots.p50Ratio <= LATENCY_RATIO_TARGET,
    },
  ];
}
