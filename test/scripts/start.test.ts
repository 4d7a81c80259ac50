import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` itself, on a port that is taken: it must say so and take its engines down with it
 * (DynamoDB Local is a Java process that would otherwise keep running). Its data goes to a
 * temporary directory, so a developer's `.data/` is never touched.
 */
const root = resolve(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'centrum-start-'));
let occupied: Server;
let port: number;

/** Processes whose command line names this test's data directory (DynamoDB Local's -dbPath). */
function processesUsing(dir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function runStart(env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

beforeAll(async () => {
  occupied = createServer();
  await new Promise<void>((ok) => occupied.listen(0, ok));
  port = (occupied.address() as { port: number }).port;
});

afterAll(async () => {
  // Only if the test failed: the engines this test started (found by its own data directory).
  for (const pid of processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
  await new Promise((r) => occupied.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on a port already in use', () => {
  it('says which port is taken and how to choose another, and leaves no engine running', async () => {
    const result = await runStart({ PORT: String(port), CENTRUM_DATA_DIR: dataDir });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} is in use; PORT=`);
    expect(existsSync(join(dataDir, 'dynamodb')), 'the engines were started before the failure').toBe(true);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);
});
