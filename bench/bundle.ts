import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { lambdaBundle } from '../infra/bundling';
import { deployedFunctions } from './functions';
import { distDir, kb, printTable, root, type Target } from './lib';

type FunctionName = string;

/**
 * Part 1: bundle bytes per function, built with the deployed options of infra/bundling.ts,
 * without source map so only the .js is measured. Also builds the "SDK external"
 * variant used by part 2 (as if @aws-sdk/* and @smithy/* came from the Lambda runtime).
 */
export const BUNDLE_TARGET_BYTES = 400 * 1024;

/** Exactly the deployed bundling options (infra/bundling.ts), without the source map. */
const cdkOptions: BuildOptions = {
  bundle: true,
  format: lambdaBundle.format,
  platform: lambdaBundle.platform,
  target: lambdaBundle.target,
  mainFields: [...lambdaBundle.mainFields],
  minify: lambdaBundle.minify,
  treeShaking: true,
  sourcemap: false,
  banner: { js: lambdaBundle.banner },
  external: [...lambdaBundle.external],
  alias: { ...lambdaBundle.alias },
  metafile: true,
  write: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

export const bundlePath = (fn: FunctionName) => resolve(distDir, fn, 'index.mjs');
export const externalBundlePath = (fn: FunctionName) => resolve(distDir, `${fn}-sdk-external`, 'index.mjs');

export interface TopInput {
  input: string;
  kb: number;
}

export interface BundleResult {
  function: FunctionName;
  bytes: number;
  gzipBytes: number;
  externalBytes: number;
  overTarget: boolean;
  topInputs: TopInput[];
  topPackages: TopInput[];
  topFolders: TopInput[];
}

/** `node_modules/@scope/name/...` → `@scope/name`; own code → `(centrum) shared/…` folder. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return `(centrum) ${parts.slice(0, 2).join('/')}`;
  const name = parts[at + 1] ?? '?';
  return name.startsWith('@') ? `${name}/${parts[at + 2]}` : name;
}

function top(metafile: Metafile, by: (input: string) => string, n: number): TopInput[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const sums = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {}))
    sums.set(by(input), (sums.get(by(input)) ?? 0) + bytesInOutput);
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([input, bytes]) => ({ input, kb: kb(bytes) }));
}

export async function buildBundles(): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const { name: fn, entry: source } of deployedFunctions) {
    const entry = resolve(root, source);
    const [full] = await Promise.all([
      build({ ...cdkOptions, entryPoints: [entry], outfile: bundlePath(fn) }),
      build({
        ...cdkOptions,
        entryPoints: [entry],
        outfile: externalBundlePath(fn),
        external: ['@aws-sdk/*', '@smithy/*'],
      }),
    ]);
    const code = readFileSync(bundlePath(fn));
    results.push({
      function: fn,
      bytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      externalBytes: statSync(externalBundlePath(fn)).size,
      overTarget: code.length > BUNDLE_TARGET_BYTES,
      topInputs: top(full.metafile!, (i) => i, 5),
      topPackages: top(full.metafile!, packageOf, 5),
      topFolders: top(full.metafile!, (i) => dirname(i), 5),
    });
  }
  return results;
}

export function printBundles(results: BundleResult[]) {
  printTable(
    'Part 1: bundle bytes per function (esbuild, deployed options of infra/bundling.ts, no source map)',
    results.map((r) => ({
      function: r.function,
      'min KB': kb(r.bytes),
      'gzip KB': kb(r.gzipBytes),
      'SDK-external min KB': kb(r.externalBytes),
      target: `≤ ${kb(BUNDLE_TARGET_BYTES)} KB`,
      status: r.overTarget ? 'OVER' : 'OK',
    })),
    `bundles in .bench/dist/<fn>/index.mjs (SDK-external variant in .bench/dist/<fn>-sdk-external/)`,
  );
  printTable(
    'Part 1b: top 5 inputs per bundle (esbuild metafile, bytes in output)',
    results.flatMap((r) =>
      r.topInputs.map((t, i) => ({ function: i === 0 ? r.function : '', input: t.input, KB: t.kb })),
    ),
  );
  printTable(
    'Part 1c: top 5 packages per bundle (inputs grouped by package)',
    results.flatMap((r) =>
      r.topPackages.map((t, i) => ({ function: i === 0 ? r.function : '', package: t.input, KB: t.kb })),
    ),
  );
  printTable(
    'Part 1d: top 5 folders per bundle (inputs grouped by directory: many small files add up)',
    results.flatMap((r) =>
      r.topFolders.map((t, i) => ({ function: i === 0 ? r.function : '', folder: t.input, KB: t.kb })),
    ),
  );
}

export function bundleTargets(results: BundleResult[]): Target[] {
  return results.map((r) => ({
    part: `bundle ${r.function}`,
    target: `≤ ${kb(BUNDLE_TARGET_BYTES)} KB minified`,
    measured: `${kb(r.bytes)} KB (gzip ${kb(r.gzipBytes)} KB)`,
    pass: !r.overTarget,
  }));
}
