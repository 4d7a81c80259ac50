import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundlePath, externalBundlePath } from './bundle';
import { lambdaEnv, median, printTable, round, type Target } from './lib';

type FunctionName = string;

/**
 * Part 2: module init time per bundle. Each sample is a fresh `node` process that imports the
 * bundle and reports, in-process, how long `await import(bundle)` took (and the time from process
 * start to the end of the import). The full bundle is compared with the same handler built with
 * @aws-sdk/* and @smithy/* external, resolved from the repo's node_modules as the Lambda runtime
 * would resolve its own SDK copy. Runs of both variants are interleaved.
 */
export const INIT_TARGET_RATIO = 0.85;
const run = promisify(execFile);

const runner = [
  'const t0 = performance.now();',
  'const m = await import(process.argv[1]);',
  'const t1 = performance.now();',
  "if (typeof m.handler !== 'function') throw new Error('no handler export');",
  'process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));',
].join('\n');

interface Sample {
  importMs: number;
  sinceStartMs: number;
}

async function sample(file: string, fn: FunctionName): Promise<Sample> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', runner, '--', pathToFileURL(file).href],
    { env: lambdaEnv(fn) },
  );
  return JSON.parse(stdout) as Sample;
}

export interface InitResult {
  function: FunctionName;
  runs: number;
  bundledImportMs: number;
  externalImportMs: number;
  bundledSinceStartMs: number;
  externalSinceStartMs: number;
  /** Median import time, bundled / SDK external. */
  ratio: number;
  /** The bundle contains no AWS SDK (identical to its SDK-external build): the ratio means nothing. */
  noSdk: boolean;
  pass: boolean;
}

export async function measureInit(functions: readonly FunctionName[], runs: number): Promise<InitResult[]> {
  const samples = new Map(functions.map((fn) => [fn, { bundled: [] as Sample[], external: [] as Sample[] }]));
  // One warm-up pass (fills the OS file cache for both variants and their node_modules).
  for (const fn of functions) {
    await sample(bundlePath(fn), fn);
    await sample(externalBundlePath(fn), fn);
  }
  for (let i = 0; i < runs; i++) {
    for (const fn of functions) {
      const s = samples.get(fn)!;
      const variants = [
        async () => s.bundled.push(await sample(bundlePath(fn), fn)),
        async () => s.external.push(await sample(externalBundlePath(fn), fn)),
      ];
      if (i % 2) variants.reverse();
      for (const v of variants) await v();
    }
  }
  return functions.map((fn) => {
    const { bundled, external } = samples.get(fn)!;
    const b = median(bundled.map((x) => x.importMs));
    const e = median(external.map((x) => x.importMs));
    const noSdk = readFileSync(bundlePath(fn)).equals(readFileSync(externalBundlePath(fn)));
    return {
      function: fn,
      runs,
      bundledImportMs: round(b, 1),
      externalImportMs: round(e, 1),
      bundledSinceStartMs: round(median(bundled.map((x) => x.sinceStartMs)), 1),
      externalSinceStartMs: round(median(external.map((x) => x.sinceStartMs)), 1),
      ratio: round(b / e, 2),
      noSdk,
      pass: noSdk || b / e <= INIT_TARGET_RATIO,
    };
  });
}

export function printInit(results: InitResult[]) {
  printTable(
    `Part 2: module init time (median of ${results[0]?.runs ?? 0} fresh node processes per variant, interleaved)`,
    results.map((r) => ({
      function: r.function,
      'bundled import ms': r.bundledImportMs,
      'SDK-external import ms': r.externalImportMs,
      'ratio bundled/external': r.ratio,
      target: `≤ ${INIT_TARGET_RATIO}`,
      status: r.noSdk ? 'n/a (no SDK)' : r.pass ? 'OK' : 'MISS',
      'bundled start→ready ms': r.bundledSinceStartMs,
      'external start→ready ms': r.externalSinceStartMs,
    })),
    'import ms = in-process time of `await import(bundle)`; start→ready = from process start (performance.timeOrigin) to after the import.',
  );
}

export function initTargets(results: InitResult[]): Target[] {
  return results.map((r) => ({
    part: `init ${r.function}`,
    target: `bundled/external import ≤ ${INIT_TARGET_RATIO}`,
    measured: r.noSdk
      ? `n/a: no AWS SDK in this bundle (${r.bundledImportMs} ms)`
      : `${r.ratio} (${r.bundledImportMs} / ${r.externalImportMs} ms)`,
    pass: r.pass,
  }));
}
