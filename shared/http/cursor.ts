import { createHmac, timingSafeEqual } from 'node:crypto';
import { validationError } from '#shared/errors';
import { signingKey } from '#shared/identity/signing-key';

/**
 * Opaque pagination cursors: the last evaluated key, bound to the query it came from and signed,
 * so a forged or foreign cursor is a 400 and can never start a query in another partition.
 */
async function mac(payload: string, scope: string) {
  return createHmac('sha256', (await signingKey()).raw)
    .update(`${scope}\n${payload}`)
    .digest('base64url');
}

export async function encodeCursor(lastKey: Record<string, unknown> | undefined, scope: string) {
  if (!lastKey) return undefined;
  const payload = Buffer.from(JSON.stringify(lastKey)).toString('base64url');
  return `${payload}.${await mac(payload, scope)}`;
}

export async function decodeCursor(cursor: string | undefined, scope: string) {
  if (cursor === undefined) return undefined;
  const [payload, signature] = cursor.split('.');
  const invalid = validationError(
    'The cursor is not valid for this query',
    [{ field: 'query.cursor', message: 'invalid cursor' }],
    'invalid_cursor',
  );
  if (!payload || !signature) throw invalid;
  const expected = Buffer.from(await mac(payload, scope));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
