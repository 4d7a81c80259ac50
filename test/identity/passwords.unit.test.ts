import { describe, expect, it } from 'vitest';
import {
  hashingCost,
  hashPassword,
  PRODUCTION_SCRYPT,
  TEST_SCRYPT,
  verifyPassword,
} from '#functions/identity/passwords';

describe('password hashing', () => {
  it('hashes at the production cost (N=2^17, r=8, p=1) and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse battery staple', PRODUCTION_SCRYPT);

    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 17), '8', '1']);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('uses the cheap test cost under the test stage only, whatever the environment asks elsewhere', () => {
    expect(hashingCost('test', 'test')).toEqual(TEST_SCRYPT);
    expect(hashingCost('test', 'production')).toEqual(PRODUCTION_SCRYPT);
    for (const stage of ['dev', 'staging', 'prod', 'local', 'bench']) {
      expect(hashingCost(stage, 'test')).toEqual(PRODUCTION_SCRYPT);
    }
  });

  it('verifies a hash whatever cost it was made at (the cost is stored with it)', async () => {
    const cheap = await hashPassword('twelve chars!', TEST_SCRYPT);

    expect(cheap.split('$')[1]).toBe(String(2 ** 10));
    expect(await verifyPassword('twelve chars!', cheap)).toBe(true);
    expect(await verifyPassword('twelve chars?', cheap)).toBe(false);
  });

  it('refuses a stored value that is not an scrypt hash', async () => {
    expect(await verifyPassword('anything at all', 'bcrypt$2b$10$abc')).toBe(false);
    expect(await verifyPassword('anything at all', '')).toBe(false);
  });
});
