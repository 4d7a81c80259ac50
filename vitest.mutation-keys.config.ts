import { unitTestsOnly } from './vitest.mutation-unit';

/** stryker.keys.mjs: the unit project, limited to the keys module's own tests. */
export default unitTestsOnly(['test/db/keys.unit.test.ts']);
