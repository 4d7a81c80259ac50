/**
 * The keys module alone, against its own unit tests (test/db/keys.unit.test.ts: the layout of every
 * builder and the byte bounds), with module-load mutants tested for real (ignoreStatic: false —
 * `keys` is one object built at load, which the main config would misreport). About 2 minutes.
 * docs/mutation-testing.md.
 */
import base from './stryker.config.mjs';
export default {
  ...base,
  mutate: ['shared/db/keys.ts'],
  vitest: { ...base.vitest, configFile: 'vitest.mutation-keys.config.ts' },
  ignoreStatic: false,
  concurrency: 2,
  incrementalFile: 'reports/mutation/keys-unit.incremental.json',
  htmlReporter: { fileName: 'reports/mutation/keys-unit.html' },
  jsonReporter: { fileName: 'reports/mutation/keys-unit.json' },
};
