import { unitTestsOnly } from './vitest.mutation-unit';

/** stryker.agenda.mjs: the unit project, limited to the agenda rules' own tests. */
export default unitTestsOnly(['test/agenda/rules.unit.test.ts']);
