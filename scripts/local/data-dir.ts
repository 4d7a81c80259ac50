import { resolve } from 'node:path';

/**
 * Where `npm start` keeps the local stack's data (DynamoDB Local's file, the S3 server's objects,
 * the local secrets, the demo's TOTP secret): `.data/` at the repository root, or
 * CENTRUM_DATA_DIR (used by the tests that run `npm start` itself, apart from a developer's data).
 */
export function localDataDir() {
  return resolve(process.env.CENTRUM_DATA_DIR ?? resolve(import.meta.dirname, '..', '..', '.data'));
}
