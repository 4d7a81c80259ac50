import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Shared helpers of `npm run bench`: paths, tables, statistics, child processes, results file. */
export const root = resolve(import.meta.dirname, '..');
export const benchDir = resolve(root, '.bench');
export const distDir = resolve(benchDir, 'dist');
export const resultsFile = resolve(benchDir, 'results.json');

export type Cell = string | number;
export type Row = Record<string, Cell>;

/** Prints a plain, aligned table (numbers right-aligned). */
export function printTable(title: string, rows: Row[], note?: string) {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('  (no rows)');
    return;
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = (v: Cell | undefined) => (v === undefined ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[], numeric: boolean[]) =>
    `  ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`;
  console.log(
    line(
      columns,
      columns.map(() => false),
    ),
  );
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows)
    console.log(
      line(
        columns.map((c) => text(row[c])),
        columns.map((c) => typeof row[c] === 'number'),
      ),
    );
  if (note) console.log(`  ${note}`);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));
export const kb = (bytes: number) => round(bytes / 1024, 1);

/** The environment a deployed function starts with (dummy values: module init must not throw). */
export function lambdaEnv(functionName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'eu-west-3',
    AWS_DEFAULT_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_SESSION_TOKEN: 'bench-session',
    AWS_LAMBDA_FUNCTION_NAME: `centrum-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    STAGE: 'bench',
    TABLE_NAME: 'centrum-bench',
    BUCKET_NAME: 'centrum-bench-documents',
    JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123456789',
    POWERTOOLS_SERVICE_NAME: `centrum-${functionName}`,
    LOG_LEVEL: 'INFO',
    // Lambda runs Node 22, where the SDK emits no "unsupported Node version" warning.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return env;
}

/**
 * Runs a bench/ TypeScript module in a fresh Node process (through tsx) with the given
 * environment; the child writes its result as JSON to the file named by BENCH_OUT.
 */
export async function runChild<T>(script: string, env: NodeJS.ProcessEnv, label: string): Promise<T> {
  mkdirSync(benchDir, { recursive: true });
  const out = resolve(benchDir, `${label}-${process.pid}.json`);
  rmSync(out, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bench', script)], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_OUT: out },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (c) => ok(c));
  });
  if (code !== 0 || !existsSync(out)) throw new Error(`bench/${script} failed (exit code ${code})`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as T;
  rmSync(out, { force: true });
  return result;
}

/** For child modules: writes the result where the parent expects it. */
export function writeChildResult(result: unknown) {
  const out = process.env.BENCH_OUT;
  if (!out) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  writeFileSync(out, JSON.stringify(result));
}

/** Merges the parts measured in this run into .bench/results.json (keeps parts not re-run). */
export function saveResults(parts: Record<string, unknown>) {
  mkdirSync(dirname(resultsFile), { recursive: true });
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    // first run
  }
  const merged = {
    ...previous,
    ...parts,
    updatedAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
  };
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);
}

export interface Target {
  part: string;
  target: string;
  measured: string;
  pass: boolean;
}

/**
 * Environment of a bench child that runs the handlers against the local engine (DYNAMODB_ENDPOINT
 * comes from the parent). Must run before any #shared module is imported: they read it at import.
 */
export function useLocalEngineEnv(tablePrefix: string): string {
  Object.assign(process.env, {
    TABLE_NAME: process.env.TABLE_NAME ?? `${tablePrefix}-${randomBytes(4).toString('hex')}`,
    BUCKET_NAME: 'centrum-bench-documents',
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    STAGE: 'bench',
    LOG_LEVEL: 'SILENT',
    TZ: 'UTC',
    // Invitation e-mails of the bench go to its own folder, never to a developer's .data/outbox.
    MAIL_TRANSPORT: 'outbox',
    MAIL_OUTBOX_DIR: resolve(distDir, '..', 'outbox'),
  });
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set (run through npm run bench)');
  return endpoint;
}
