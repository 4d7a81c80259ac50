import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * A Vitest config for a module mutated against its own unit tests (stryker.keys.mjs,
 * stryker.agenda.mjs): the main config's unit project only, limited to `include`.
 */
type Project = { test: { name: string } };
export const unitTestsOnly = (include: string[]) =>
  defineConfig({
    ...base,
    test: {
      ...base.test,
      projects: (base.test?.projects ?? [])
        .filter((p) => (p as Project).test.name === 'unit')
        .map((p) => ({ ...(p as Project), test: { ...(p as Project).test, include } })),
    },
  });
