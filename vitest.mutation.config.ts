import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The Vitest config Stryker runs (stryker.config.mjs, docs/mutation-testing.md): the main config —
 * same env (STAGE=test, cheap scrypt, local queues…), same two projects, same DynamoDB Local global
 * setup and per-file table — with each project limited to the test files that exercise the mutated
 * modules (identity, shared/db/keys.ts, shared/http/pipeline.ts, the agenda's booking and time rules). The slow property tests
 * (test/http/junk.test.ts, test/http/unicode.test.ts) are left out.
 */
export const mutationTestFiles = {
  unit: [
    'test/identity/**/*.unit.test.ts',
    'test/db/keys.unit.test.ts',
    'test/http/pipeline.unit.test.ts',
    'test/agenda/rules.unit.test.ts',
  ],
  integration: [
    // The integration project's own `exclude` keeps the unit files out.
    'test/identity/**/*.test.ts',
    'test/http/bad-input.test.ts',
    'test/http/platform.test.ts',
    'test/http/logging.test.ts',
    'test/http/authorization-matrix.test.ts',
    'test/patients/patients.test.ts',
    'test/centres/centres.test.ts',
    'test/centres/sign-up.test.ts',
    'test/agenda/booking.test.ts',
    'test/agenda/series-episodes.test.ts',
    'test/agenda/views-sharing.test.ts',
  ],
};

type Project = { test: { name: keyof typeof mutationTestFiles } };

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    projects: (base.test?.projects ?? []).map((project) => {
      const name = (project as Project).test.name;
      return { ...(project as Project), test: { ...(project as Project).test, include: mutationTestFiles[name] } };
    }),
  },
});
