import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { config } from '#shared/config';

/**
 * Password hashing with scrypt (memory-hard, salted, slow) from Node's crypto: OWASP's
 * parameters N=2^17, r=8, p=1. The parameters are stored with each hash so they can be raised
 * later and old hashes still verify (re-hashing them at the next sign-in is not built yet).
 *
 * The test suite creates hundreds of accounts; at the production cost each hash takes ~0.3 s of
 * CPU, which made `npm test` grow with every context. Under the `test` stage only, hashes are made
 * at N=2^10 (same algorithm, same code path, stored parameters say so); any other stage always
 * uses the production cost (docs/decisions/0011-fast-tests.md).
 */
export const PRODUCTION_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export type ScryptParams = { N: number; r: number; p: number };

/** The cost new hashes are made at: production everywhere but the test stage. */
export function hashingCost(stage = config.stage, requested = config.passwordHashCost): ScryptParams {
  return stage === 'test' && requested === 'test' ? TEST_SCRYPT : PRODUCTION_SCRYPT;
}

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = hashingCost()): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, verified when the e-mail is unknown so that an unknown account
 * costs the same time as a wrong password (no account enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
