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
   * to initialise than the runtime's copy), except:
   * - clients loaded lazily through `require` (which honours Lambda's NODE_PATH) from the runtime's
   *   own SDK, only when deployed: Secrets Manager (once per cold start), SES (when an e-mail is
   *   sent) and SQS (when a job queues messages or dead-letters invalid input);
   * - @smithy/core's event-stream support (19 KB): the SDK's HTTP protocol `import()`s it only to
   *   (de)serialise an event stream, and no operation we call has one (DynamoDB has none). A
   *   function that ever calls an event-stream operation (S3 SelectObjectContent, Bedrock
   *   streaming, …) must take it out of this list.
   */
  external: [
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/client-sesv2',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-sqs',
    '@smithy/core/event-streams',
  ],
  /** Lambda hands credentials in environment variables: no need for the default provider chain. */
  alias: { '@aws-sdk/credential-provider-node': join(projectRoot, 'shared', 'aws', 'lambda-credentials.ts') },
} as const;
