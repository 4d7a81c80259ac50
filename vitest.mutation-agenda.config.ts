import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/** stryker.agenda.mjs: the unit project, limited to the agenda rules' own tests. */
type Project = { test: { name: string } };
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    projects: (base.test?.projects ?? [])
      .filter((p) => (p as Project).test.name === 'unit')
      .map((p) => ({
        ...(p as Project),
        test: { ...(p as Project).test, include: ['test/agenda/rules.unit.test.ts'] },
      })),
  },
});
