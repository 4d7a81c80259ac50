import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon, { type Result } from 'autocannon';
import { printTable, root, round, type Target } from './lib';

/**
 * Part 4: throughput and latency of GET /patients/{id} through the real local adapter ("ours")
 * vs a bare reference server making the same two DynamoDB requests raw, both on the same
 * DynamoDB Local (servers in one child process, autocannon in this one). Same connections, same
 * duration, after a warm-up, one after the other.
 */
export const THROUGHPUT_TARGET = 0.8;
export const P99_TARGET = 1.5;

export interface HttpOptions {
  connections: number;
  seconds: number;
  warmupSeconds: number;
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

export interface HttpResult {
  options: HttpOptions;
  ours: LoadResult;
  reference: LoadResult;
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
    const ours = await run('ours', ready.oursPort);
    const reference = await run('reference', ready.referencePort);
    return {
      options,
      ours,
      reference,
      throughputRatio: round(ours.reqPerSec / reference.reqPerSec, 2),
      cpuRatio: round(ours.cpuMsPerRequest / reference.cpuMsPerRequest, 2),
      p99Ratio: round(ours.p99 / Math.max(reference.p99, 0.001), 2),
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
    `Part 4: GET /patients/{id}, ${r.options.connections} connections, ${r.options.seconds} s each after ${r.options.warmupSeconds} s warm-up (engine warmed ${r.options.engineWarmupSeconds} s first)`,
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
  printTable('Part 4b: ratios', [
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
      target: `ours/reference ≥ ${THROUGHPUT_TARGET}`,
      measured: `${r.throughputRatio} (${r.ours.reqPerSec} / ${r.reference.reqPerSec} req/s)`,
      pass: r.throughputRatio >= THROUGHPUT_TARGET,
    },
    {
      part: 'http p99',
      target: `ours/reference ≤ ${P99_TARGET}`,
      measured: `${r.p99Ratio} (${r.ours.p99} / ${r.reference.p99} ms)`,
      pass: r.p99Ratio <= P99_TARGET,
    },
  ];
}
