// @ts-check
import process from 'node:process';
/**
 * Mutation testing of the security-critical modules (docs/mutation-testing.md).
 *
 * `npm run mutate` mutates every group below; `npm run mutate:identity` (`:keys`, `:pipeline`) one
 * group, selected by STRYKER_GROUP, with reports and an incremental file of its own (an incremental
 * file only holds the files of the run that wrote it, so groups must not share one).
 * The tests are vitest.mutation.config.ts: the main config limited to the files that exercise these
 * modules.
 */
const groups = {
  identity: [
    'functions/identity/tokens.ts',
    'functions/identity/throttle.ts',
    'functions/identity/passwords.ts',
    'functions/identity/authenticate.ts',
    'functions/identity/sessions.ts',
    'functions/identity/totp.ts',
    'functions/identity/revocations.ts',
  ],
  keys: ['shared/db/keys.ts'],
  pipeline: ['shared/http/pipeline.ts'],
  // The agenda's time and availability rules (DST, hours, overlaps, free slots, episodes). Booking
  // itself (appointments.ts, the cells in repository.ts) is exercised by integration tests of a few
  // seconds each: mutate it with STRYKER_GROUP=agenda-booking (hours).
  agenda: ['functions/agenda/rules.ts', 'functions/agenda/time.ts'],
  'agenda-booking': ['functions/agenda/appointments.ts', 'functions/agenda/repository.ts'],
};

const group = process.env.STRYKER_GROUP ?? 'all';
if (group !== 'all' && !(group in groups)) {
  throw new Error(`STRYKER_GROUP=${group}: expected one of ${Object.keys(groups).join(', ')} (or unset for all)`);
}
const mutate = group === 'all' ? Object.values(groups).flat() : groups[/** @type {keyof typeof groups} */ (group)];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.ts',
    // The HTTP tests reach the handlers through a dynamic import (scripts/local/http-adapter.ts),
    // which Vitest's "related" graph does not follow; per-test coverage picks the tests instead.
    related: false,
  },
  coverageAnalysis: 'perTest',
  // Most mutants also run in the HTTP tests' beforeAll (a centre built through the services), which
  // Stryker counts as "static" and would answer by running every selected test (~40 s) per mutant.
  // With ignoreStatic they run only the tests that cover them, the mutant already active in those
  // files' beforeAll; mutants that only run while a module loads (top-level constants) are Ignored,
  // and a top-level constant also reached inside a test can survive falsely (it was built before the
  // mutant was switched on). STRYKER_IGNORE_STATIC=false runs them all the slow, faithful way.
  ignoreStatic: process.env.STRYKER_IGNORE_STATIC !== 'false',
  mutate,
  // Two cores, and other people run tests on this machine.
  concurrency: 1,
  // The HTTP tests build a centre per file in beforeAll (DynamoDB Local): a loaded machine needs slack.
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: `reports/mutation/${group}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${group}.html` },
  jsonReporter: { fileName: `reports/mutation/${group}.json` },
  clearTextReporter: { logTests: false, reportTests: false },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['/cdk.out', '/.data', '/.bench', '/coverage', '/reports'],
};

export default config;
