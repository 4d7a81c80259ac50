import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CentrumApp, createCentrumApp } from '../../infra/centrum-app';
import { projectRoot } from '../../infra/paths';

/** The context of cdk.json (feature flags, defaults), so that tests synthesize what `cdk synth` does. */
const cdkJsonContext = (
  JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Synthesizing bundles the four functions with local esbuild: a few seconds, so synth once per file. */
export const synthTimeout = 120_000;

/** Cloud assemblies (templates, bundled functions) of this test file, removed by removeSynthOutput(). */
const outRoot = mkdtempSync(join(tmpdir(), 'centrum-cdk-test-'));
let builds = 0;

export function removeSynthOutput(): void {
  rmSync(outRoot, { recursive: true, force: true });
}

/**
 * Builds the app as the CDK CLI would, with extra context (e.g. `{ stage: 'prod' }`) and an explicit
 * environment, so that the developer's CENTRUM_* or CDK_DEFAULT_* variables cannot leak into a test.
 */
export function buildApp(
  context: Record<string, unknown> = {},
  env: Record<string, string | undefined> = {},
): CentrumApp {
  builds += 1;
  return createCentrumApp({
    outdir: join(outRoot, String(builds)),
    context: { ...cdkJsonContext, ...context },
    env,
  });
}
