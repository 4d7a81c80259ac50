import { Secret, TOTP } from 'otpauth';

/** RFC 6238 TOTP (30 s, 6 digits, SHA-1: what authenticator apps support), via otpauth. */
const PERIOD = 30;

function totp(secret: string, label = 'Centrum') {
  return new TOTP({
    issuer: 'Centrum',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, email: string): string {
  return totp(secret, email).toString();
}

/**
 * Returns the time step of the matching code (±1 step of clock drift), or undefined. The caller
 * stores the step and refuses any step not newer than the last one used, so a code works once.
 */
export function matchTotp(secret: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

export function currentTotp(secret: string, now = Date.now()): string {
  return totp(secret).generate({ timestamp: now });
}
