import { join } from 'node:path';
import { projectRoot } from './paths';

/**
 * How every Lambda function is bundled — the one definition, used by the CDK construct
 * (infra/constructs/centrum-function.ts) and by the benchmark (bench/bundle.ts), so the bench
 * measures what is deployed. See docs/decisions/0007-bundle-size.md.
 */

/**
 * ESM output cannot use `require`, but some CommonJS dependencies bundled into it call
 * `require('node:…')` at run time; esbuild then throws "Dynamic require of … is not supported".
 * Defining a real `require` at the top of the bundle fixes that. The alias avoids clashing with a
 * bundled module that imports `createRequire` itself.
 */
export const esmRequireBanner =
  "import { createRequire as __centrumCreateRequire } from 'node:module'; " +
  'const require = __centrumCreateRequire(import.meta.url);';

export const lambdaBundle = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  banner: esmRequireBanner,
  /**
   * Bundled: everything, including @aws-sdk v3 (the version we test against, tree-shaken, faster
   * to initialise than the runtime's copy), except the Secrets Manager client: it is loaded once
   * per cold start, lazily, only when deployed, so it comes from the Lambda runtime's own SDK.
   */
  external: ['@aws-sdk/client-secrets-manager'],
  /** Lambda hands credentials in environment variables: no need for the default provider chain. */
  alias: { '@aws-sdk/credential-provider-node': join(projectRoot, 'shared', 'aws', 'lambda-credentials.ts') },
} as const;
