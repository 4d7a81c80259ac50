import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon, { type Result } from 'autocannon';
import { median, printTable, root, round, type Target } from './lib';

/**
 * Part 4: throughput and latency of GET /patients/{id} through the real local adapter ("ours")
 * vs a bare reference server making the same two DynamoDB requests raw, both on the same
 * DynamoDB Local (servers in one child process, autocannon in this one). Same connections, same
 * duration, after a warm-up, one after the other — in several rounds, the order alternating from
 * one round to the next, and the ratios are the medians of the rounds' ratios: one noisy round on
 * a shared 2-core machine does not decide.
 */
export const THROUGHPUT_TARGET = 0.9;
export const P99_TARGET = 1.5;

export interface HttpOptions {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Rounds of (ours, reference), alternating which goes first. */
  rounds: number;
  /**
   * Load sent to both servers, alternately, before anything is measured: DynamoDB Local is a JVM
   * and its JIT takes ~20 s of load to settle (until then throughput keeps climbing, and whichever
   * server is measured second looks faster).
   */
  engineWarmupSeconds: number;
}

export interface LoadResult {
  server: 'ours' | 'reference';
  reqPerSec: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system) of the server process per request, during the measurement. */
  cpuMsPerRequest: number;
}

export interface RoundResult {
  round: number;
  first: LoadResult['server'];
  ours: LoadResult;
  reference: LoadResult;
  throughputRatio: number;
  p99Ratio: number;
  cpuRatio: number;
}

export interface HttpResult {
  options: HttpOptions;
  rounds: RoundResult[];
  /** Median of the rounds, per server. */
  ours: LoadResult;
  reference: LoadResult;
  /** Medians of the rounds' ratios. */
  throughputRatio: number;
  p99Ratio: number;
  /** Server CPU per request, ours / reference (information, no target). */
  cpuRatio: number;
}

interface Ready {
  oursPort: number;
  referencePort: number;
  token: string;
  patientId: string;
}

export async function measureHttp(dynamodbEndpoint: string, options: HttpOptions): Promise<HttpResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DYNAMODB_ENDPOINT: dynamodbEndpoint, LOG_LEVEL: 'SILENT' };
  delete env.CENTRUM_COUNT_REQUESTS;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-server.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const cpu = () =>
    new Promise<number>((ok) => {
      child.once('message', (m) => {
        const usage = (m as { cpu: NodeJS.CpuUsage }).cpu;
        ok((usage.user + usage.system) / 1000);
      });
      child.send('cpu');
    });
  try {
    const ready = await new Promise<Ready>((ok, fail) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.startsWith('BENCH_READY ')) ok(JSON.parse(line.slice('BENCH_READY '.length)));
        else console.log(line);
      });
      child.once('exit', (code) => fail(new Error(`bench/http-server.ts exited early (code ${code})`)));
      child.once('error', fail);
    });
    const headers = { authorization: `Bearer ${ready.token}`, 'user-agent': 'centrum-bench' };
    const urlOf = (port: number) => `http://127.0.0.1:${port}/patients/${ready.patientId}`;
    const load = (port: number, duration: number) =>
      autocannon({ url: urlOf(port), headers, connections: options.connections, duration });
    for (const port of [ready.oursPort, ready.referencePort]) {
      const check = await fetch(urlOf(port), { headers });
      if (check.status !== 200) throw new Error(`GET ${urlOf(port)} answered ${check.status}`);
      await check.arrayBuffer();
    }
    const slice = options.engineWarmupSeconds / 4;
    if (slice > 0)
      for (const port of [ready.oursPort, ready.referencePort, ready.oursPort, ready.referencePort])
        await load(port, slice);

    const run = async (server: LoadResult['server'], port: number): Promise<LoadResult> => {
      await load(port, options.warmupSeconds);
      const cpuBefore = await cpu();
      const r: Result = await load(port, options.seconds);
      const cpuMs = (await cpu()) - cpuBefore;
      return {
        server,
        reqPerSec: round(r.requests.average, 1),
        p50: r.latency.p50,
        p99: r.latency.p99,
        mean: round(r.latency.average, 2),
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        cpuMsPerRequest: round(cpuMs / Math.max(r.requests.total, 1), 3),
      };
    };
    const rounds: RoundResult[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const oursFirst = i % 2 === 0;
      const a = await run(oursFirst ? 'ours' : 'reference', oursFirst ? ready.oursPort : ready.referencePort);
      const b = await run(oursFirst ? 'reference' : 'ours', oursFirst ? ready.referencePort : ready.oursPort);
      const [ours, reference] = oursFirst ? [a, b] : [b, a];
      rounds.push({
        round: i + 1,
        first: oursFirst ? 'ours' : 'reference',
        ours,
        reference,
        throughputRatio: round(ours.reqPerSec / reference.reqPerSec, 2),
        cpuRatio: round(ours.cpuMsPerRequest / reference.cpuMsPerRequest, 2),
        p99Ratio: round(ours.p99 / Math.max(reference.p99, 0.001), 2),
      });
    }
    const medianOf = (server: LoadResult['server']): LoadResult => {
      const all = rounds.map((r) => (server === 'ours' ? r.ours : r.reference));
      const m = (pick: (x: LoadResult) => number, digits = 2) => round(median(all.map(pick)), digits);
      return {
        server,
        reqPerSec: m((x) => x.reqPerSec, 1),
        p50: m((x) => x.p50),
        p99: m((x) => x.p99),
        mean: m((x) => x.mean),
        requests: all.reduce((sum, x) => sum + x.requests, 0),
        non2xx: all.reduce((sum, x) => sum + x.non2xx, 0),
        errors: all.reduce((sum, x) => sum + x.errors, 0),
        cpuMsPerRequest: m((x) => x.cpuMsPerRequest, 3),
      };
    };
    return {
      options,
      rounds,
      ours: medianOf('ours'),
      reference: medianOf('reference'),
      throughputRatio: round(median(rounds.map((r) => r.throughputRatio)), 2),
      p99Ratio: round(median(rounds.map((r) => r.p99Ratio)), 2),
      cpuRatio: round(median(rounds.map((r) => r.cpuRatio)), 2),
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

export function printHttp(r: HttpResult) {
  printTable(
    `Part 4a: the rounds (${r.options.rounds}, order alternating)`,
    r.rounds.map((x) => ({
      round: x.round,
      first: x.first,
      'ours req/s': x.ours.reqPerSec,
      'reference req/s': x.reference.reqPerSec,
      'req/s ratio': x.throughputRatio,
      'p99 ours/ref ms': `${x.ours.p99}/${x.reference.p99}`,
      'p99 ratio': x.p99Ratio,
      'CPU ms/req ours/ref': `${x.ours.cpuMsPerRequest}/${x.reference.cpuMsPerRequest}`,
      'CPU ratio': x.cpuRatio,
    })),
  );
  printTable(
    `Part 4: GET /patients/{id}, ${r.options.connections} connections, ${r.options.seconds} s each after ${r.options.warmupSeconds} s warm-up (engine warmed ${r.options.engineWarmupSeconds} s first); medians of ${r.options.rounds} rounds`,
    [r.ours, r.reference].map((x) => ({
      server:
        x.server === 'ours' ? 'ours (local adapter → patients handler)' : 'reference (raw node:http + lib-dynamodb)',
      'req/s': x.reqPerSec,
      'p50 ms': x.p50,
      'p99 ms': x.p99,
      'mean ms': x.mean,
      requests: x.requests,
      'non-2xx': x.non2xx,
      errors: x.errors,
      'server CPU ms/req': x.cpuMsPerRequest,
    })),
    'server CPU ms/req: CPU time of the server process (both servers share it, measured one at a time) / requests served.',
  );
  printTable('Part 4b: ratios (medians of the rounds)', [
    {
      ratio: 'ours/reference req/s',
      value: r.throughputRatio,
      target: `≥ ${THROUGHPUT_TARGET}`,
      status: r.throughputRatio >= THROUGHPUT_TARGET ? 'OK' : 'MISS',
    },
    {
      ratio: 'ours/reference p99',
      value: r.p99Ratio,
      target: `≤ ${P99_TARGET}`,
      status: r.p99Ratio <= P99_TARGET ? 'OK' : 'MISS',
    },
    { ratio: 'ours/reference server CPU per request', value: r.cpuRatio, target: '(info)', status: '' },
  ]);
}

export function httpTargets(r: HttpResult): Target[] {
  return [
    {
      part: 'http req/s',
      target: `ours/reference ≥ ${THROUGHPUT_TARGET} (median of ${r.options.rounds} rounds)`,
      measured: `${r.throughputRatio} (rounds: ${r.rounds.map((x) => x.throughputRatio).join(', ')})`,
      pass: r.throughputRatio >= THROUGHPUT_TARGET,
    },
    {
      part: 'http p99',
      target: `ours/reference ≤ ${P99_TARGET} (median of ${r.options.rounds} rounds)`,
      measured: `${r.p99Ratio} (rounds: ${r.rounds.map((x) => x.p99Ratio).join(', ')})`,
      pass: r.p99Ratio <= P99_TARGET,
    },
  ];
}
