import { unitTestsOnly } from './vitest.mutation-unit';

/** stryker.reminders.mjs: the unit project, limited to the reminders rules' own tests. */
export default unitTestsOnly([
  'test/reminders/planning.unit.test.ts',
  'test/reminders/buckets.unit.test.ts',
  'test/reminders/templates.unit.test.ts',
]);
