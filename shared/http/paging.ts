import type { Item, QueryPage } from '#shared/db/table';
import { stripKeys } from '#shared/db/table';
import { decodeCursor, encodeCursor } from '#shared/http/cursor';

/**
 * Runs one page of a query with a signed cursor bound to `scope` (the query's identity: who
 * asked and for what), and shapes the `{ items, nextCursor }` answer.
 */
export async function paged<T>(
  scope: string,
  cursor: string | undefined,
  run: (startKey: Item | undefined) => Promise<QueryPage<Item>>,
  map: (item: Item) => T = (item) => stripKeys(item) as T,
) {
  const page = await run(await decodeCursor(cursor, scope));
  const nextCursor = await encodeCursor(page.lastKey, scope);
  return { items: page.items.map(map), ...(nextCursor ? { nextCursor } : {}) };
}
