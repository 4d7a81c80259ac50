import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/per-file-table.ts'],
    env: {
      TZ: 'UTC',
      LOG_LEVEL: 'SILENT',
      CENTRUM_COUNT_REQUESTS: '1',
      AWS_REGION: 'eu-west-3',
      STAGE: 'test',
      // Cheap scrypt for the accounts tests create; test/identity/passwords.test.ts keeps the real cost.
      CENTRUM_PASSWORD_HASH_COST: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    include: ['test/**/*.test.ts'],
  },
});
