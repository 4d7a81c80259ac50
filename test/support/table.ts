import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand as ScanItemsCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { dynamoClient } from '../../scripts/local/engines';

/**
 * Test-only access to this file's table, around the code under test: every item (a Scan, which no
 * request path uses) to prove what a request wrote or did not write, and deletes to set up states
 * the API cannot reach (data lost, a run interrupted).
 */
const client = () => dynamoClient(inject('dynamodbEndpoint'));
const documents = () => DynamoDBDocumentClient.from(client());

export async function allItems() {
  const items: Record<string, unknown>[] = [];
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const out = await client().send(
      new ScanCommand({ TableName: process.env.TABLE_NAME, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function itemCount() {
  return (await allItems()).length;
}

export type Snapshot = Map<string, Record<string, unknown>>;
export const itemId = (item: { pk?: unknown; sk?: unknown }) => `${String(item.pk)} | ${String(item.sk)}`;

/** Every item of the table, plain (unmarshalled), by `pk | sk`, in key order. */
export async function snapshot(): Promise<Snapshot> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documents().send(
      new ScanItemsCommand({ TableName: process.env.TABLE_NAME, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  items.sort((a, b) => (itemId(a) < itemId(b) ? -1 : itemId(a) > itemId(b) ? 1 : 0));
  return new Map(items.map((item) => [itemId(item), item]));
}

export interface SnapshotDiff {
  added: Record<string, unknown>[];
  removed: Record<string, unknown>[];
  changed: { before: Record<string, unknown>; after: Record<string, unknown> }[];
}

/** What differs between two snapshots: items added, removed, or changed in any attribute. */
export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const diff: SnapshotDiff = { added: [], removed: [], changed: [] };
  for (const [id, item] of after) {
    const old = before.get(id);
    if (!old) diff.added.push(item);
    else if (!sameValue(old, item)) diff.changed.push({ before: old, after: item });
  }
  for (const [id, item] of before) if (!after.has(id)) diff.removed.push(item);
  return diff;
}

/** Deep equality of unmarshalled DynamoDB values (objects, arrays, sets, numbers, strings). */
function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Set) return { $set: [...v].map(String).sort() };
    if (v instanceof Uint8Array) return { $binary: Buffer.from(v).toString('base64') };
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    return v;
  });
}

/** Number of items per `entity` attribute, e.g. `{ Patient: 3, Membership: 3 }`. */
export async function entityCounts() {
  const counts: Record<string, number> = {};
  for (const item of (await snapshot()).values()) {
    const entity = String(item.entity ?? 'unknown');
    counts[entity] = (counts[entity] ?? 0) + 1;
  }
  return counts;
}

export async function deleteItems(keys: { pk: string; sk: string }[]) {
  for (let i = 0; i < keys.length; i += 25) {
    const batch = keys.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    await documents().send(new BatchWriteCommand({ RequestItems: { [String(process.env.TABLE_NAME)]: batch } }));
  }
}

/** Empties this file's table, for tests that need a fresh start. */
export async function clearTable() {
  const keys = [...(await snapshot()).values()].map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  await deleteItems(keys);
}
