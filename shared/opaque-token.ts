import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque secrets handed to a person (refresh tokens, invitation links): 32 random bytes, and only
 * their SHA-256 is ever stored, so a copy of the table cannot be replayed.
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
