/**
 * The reminders' pure rules (functions/reminders/{planning,templates}.ts: when each reminder is due
 * across DST and zones, which rules apply, the texts and SMS segments) against their own unit tests
 * (test/reminders/{planning,buckets,templates}.unit.test.ts), load-time mutants tested for real. A few
 * minutes. docs/mutation-testing.md.
 */
import base from './stryker.config.mjs';
export default {
  ...base,
  mutate: ['functions/reminders/planning.ts', 'functions/reminders/templates.ts'],
  vitest: { ...base.vitest, configFile: 'vitest.mutation-reminders.config.ts' },
  ignoreStatic: false,
  concurrency: 2,
  incrementalFile: 'reports/mutation/reminders-unit.incremental.json',
  htmlReporter: { fileName: 'reports/mutation/reminders-unit.html' },
  jsonReporter: { fileName: 'reports/mutation/reminders-unit.json' },
};
