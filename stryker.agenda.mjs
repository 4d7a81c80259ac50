/**
 * The agenda's time and availability rules (functions/agenda/{rules,time}.ts) against their own
 * unit tests (test/agenda/rules.unit.test.ts: DST, hours, overlaps, cells, free slots, episodes),
 * load-time mutants tested for real. A few minutes; the main config's `agenda` group also runs the
 * agenda's integration tests (about two hours). docs/mutation-testing.md.
 */
import base from './stryker.config.mjs';
export default {
  ...base,
  mutate: ['functions/agenda/rules.ts', 'functions/agenda/time.ts'],
  vitest: { ...base.vitest, configFile: 'vitest.mutation-agenda.config.ts' },
  ignoreStatic: false,
  concurrency: 2,
  incrementalFile: 'reports/mutation/agenda-unit.incremental.json',
  htmlReporter: { fileName: 'reports/mutation/agenda-unit.html' },
  jsonReporter: { fileName: 'reports/mutation/agenda-unit.json' },
};
