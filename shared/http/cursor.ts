import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Item, QueryPage } from '#shared/db/table';
import { validationError } from '#shared/errors';

/**
 * Opaque pagination cursors: the last evaluated key, bound to the query it came from (its scope:
 * who asked and for what) and signed, so a forged or foreign cursor is a 400 and can never start a
 * query in another partition. The key is passed in by the function (the identity context's signing
 * key), never imported here.
 */
export interface Cursors {
  /** Runs one page of a query from the cursor and shapes `{ items, nextCursor }`. */
  page<T>(
    scope: string,
    cursor: string | undefined,
    run: (startKey: Item | undefined) => Promise<QueryPage<Item>>,
    map: (item: Item) => T,
  ): Promise<{ items: T[]; nextCursor?: string }>;
}

export type CursorKey = () => Promise<Uint8Array>;

const invalid = () =>
  validationError(
    'The cursor is not valid for this query',
    [{ field: 'query.cursor', message: 'invalid cursor' }],
    'invalid_cursor',
  );

export function createCursors(key: CursorKey): Cursors {
  const mac = async (payload: string, scope: string) =>
    createHmac('sha256', await key())
      .update(`${scope}\n${payload}`)
      .digest('base64url');

  const encode = async (lastKey: Item | undefined, scope: string) => {
    if (!lastKey) return undefined;
    const payload = Buffer.from(JSON.stringify(lastKey)).toString('base64url');
    return `${payload}.${await mac(payload, scope)}`;
  };

  const decode = async (cursor: string | undefined, scope: string) => {
    if (cursor === undefined) return undefined;
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const expected = Buffer.from(await mac(payload, scope));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Item;
  };

  return {
    async page(scope, cursor, run, map) {
      const result = await run(await decode(cursor, scope));
      const nextCursor = await encode(result.lastKey, scope);
      return { items: result.items.map(map), ...(nextCursor ? { nextCursor } : {}) };
    },
  };
}
