import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { db, tableName } from '#shared/db/client';
import { cancellationCodes } from '#shared/db/errors';
import type { TableKey } from '#shared/db/keys';
import { type IndexName, keyAttributes } from '#shared/db/table-definition';

/**
 * Thin, typed helpers over the document client (see docs/decisions/0001-single-table-thin-entity-layer.md).
 * Repositories build keys with #shared/db/keys and call these; no business rules here.
 */
export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export async function getItem<T extends Item>(key: TableKey, consistent = false): Promise<T | undefined> {
  const out = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent }));
  return out.Item as T | undefined;
}

export async function batchGet(keysToGet: TableKey[]): Promise<Item[]> {
  if (keysToGet.length === 0) return [];
  const out = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keysToGet } } }));
  return (out.Responses?.[tableName] ?? []) as Item[];
}

/**
 * One item to read by key, and how it becomes what the caller wants (a context exposes lookups of
 * its entities so that another context can read them together with its own in one BatchGetItem).
 */
export interface Lookup<T> {
  key: TableKey;
  read: (item: Item | undefined) => T;
}

/** The most keys one BatchGetItem takes. */
export const BATCH_GET_MAX = 100;

type LookedUp<L extends readonly (Lookup<unknown> | undefined)[]> = {
  [K in keyof L]: L[K] extends Lookup<infer T> ? T : undefined;
};

/**
 * Reads several items in one BatchGetItem per 100 keys, sent together (strongly consistent; an
 * absent lookup reads nothing and gives undefined; duplicate keys read once; keys
 * DynamoDB leaves unprocessed asked again, up to 3 times) and hands each to its lookup.
 */
export async function batchLookup<const L extends readonly (Lookup<unknown> | undefined)[]>(
  ...lookups: L
): Promise<LookedUp<L>> {
  const id = (key: TableKey) => `${key.pk}\u0000${key.sk}`;
  const wanted = new Map(lookups.flatMap((l) => (l ? [[id(l.key), l.key] as const] : [])));
  const found = new Map<string, Item>();
  const all = [...wanted.values()];
  const chunks = Array.from({ length: Math.ceil(all.length / BATCH_GET_MAX) }, (_, i) =>
    all.slice(i * BATCH_GET_MAX, (i + 1) * BATCH_GET_MAX),
  );
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) throw new Error('BatchGetItem left keys unprocessed after retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await db.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of (out.Responses?.[tableName] ?? []) as Item[])
          found.set(id({ pk: item.pk as string, sk: item.sk as string }), item);
        pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as TableKey[];
      }
    }),
  );
  return lookups.map((l) => l?.read(found.get(id(l.key)))) as LookedUp<L>;
}

/** The most items one BatchWriteItem takes. */
export const BATCH_WRITE_MAX = 25;
const UNPROCESSED_RETRIES = 3;

/**
 * Puts items (not conditionally) in BatchWriteItem requests of 25, sent together; items DynamoDB
 * leaves unprocessed (throttling) are sent again, up to 3 times, then it throws. Not atomic: for
 * records that must all be there before an answer leaves, where a failure fails the request.
 */
export async function batchPut(items: Item[]) {
  const chunks = Array.from({ length: Math.ceil(items.length / BATCH_WRITE_MAX) }, (_, i) =>
    items.slice(i * BATCH_WRITE_MAX, (i + 1) * BATCH_WRITE_MAX),
  );
  await Promise.all(
    chunks.map(async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) throw new Error('BatchWriteItem left items unprocessed after retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }),
  );
}

export async function putItem(
  item: Item,
  condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
) {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: item,
      ...(condition
        ? {
            ConditionExpression: condition.expression,
            ExpressionAttributeNames: condition.names,
            ExpressionAttributeValues: condition.values,
          }
        : {}),
    }),
  );
}

export async function updateItem(input: Omit<UpdateCommandInput, 'TableName'>) {
  const out = await db.send(new UpdateCommand({ TableName: tableName, ...input }));
  return out.Attributes as Item | undefined;
}

export async function transactWrite(items: TransactItem[]) {
  await db.send(new TransactWriteCommand({ TransactItems: items }));
}

export interface QueryPage<T> {
  items: T[];
  lastKey: Item | undefined;
}

export interface QuerySpec {
  index?: IndexName;
  partition: { name: string; value: string };
  /** Sort keys that begin with a prefix, or that sort before a value. */
  sort?:
    | { name: string; beginsWith: string }
    | { name: string; before: string }
    | { name: string; after: string }
    | { name: string; between: [string, string] };
  limit: number;
  startKey?: Item | undefined;
  newestFirst?: boolean;
  consistent?: boolean;
}

/** One Query page by key condition (never a Scan). */
export async function queryPage<T extends Item>(spec: QuerySpec): Promise<QueryPage<T>> {
  const names: Record<string, string> = { '#p': spec.partition.name };
  const values: Record<string, unknown> = { ':p': spec.partition.value };
  let condition = '#p = :p';
  if (spec.sort && 'between' in spec.sort) {
    names['#s'] = spec.sort.name;
    values[':s'] = spec.sort.between[0];
    values[':t'] = spec.sort.between[1];
    condition += ' AND #s BETWEEN :s AND :t';
  } else if (spec.sort && 'before' in spec.sort) {
    names['#s'] = spec.sort.name;
    values[':s'] = spec.sort.before;
    condition += ' AND #s < :s';
  } else if (spec.sort && 'after' in spec.sort) {
    names['#s'] = spec.sort.name;
    values[':s'] = spec.sort.after;
    condition += ' AND #s > :s';
  } else if (spec.sort && spec.sort.beginsWith !== '') {
    names['#s'] = spec.sort.name;
    values[':s'] = spec.sort.beginsWith;
    condition += ' AND begins_with(#s, :s)';
  }
  const input: QueryCommandInput = {
    TableName: tableName,
    IndexName: spec.index,
    KeyConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    Limit: spec.limit,
    ExclusiveStartKey: spec.startKey,
    ScanIndexForward: !spec.newestFirst,
    ...(spec.consistent ? { ConsistentRead: true } : {}),
  };
  const out = await db.send(new QueryCommand(input));
  return { items: (out.Items ?? []) as T[], lastKey: out.LastEvaluatedKey };
}

export interface PageRequest {
  limit: number;
  startKey?: Item | undefined;
  newestFirst?: boolean;
}

/** One page of an item collection of the table: `pk` = prefix.pk, `sk` begins with prefix.skPrefix. */
export function queryCollection<T extends Item = Item>(prefix: { pk: string; skPrefix?: string }, page: PageRequest) {
  return queryPage<T>({
    partition: { name: 'pk', value: prefix.pk },
    ...(prefix.skPrefix ? { sort: { name: 'sk', beginsWith: prefix.skPrefix } } : {}),
    ...page,
  });
}

/** One page of a GSI partition (`<index>pk`), optionally by sort-key prefix (`<index>sk`). */
export function queryIndex<T extends Item = Item>(
  index: IndexName,
  partition: string,
  sortPrefix: string,
  page: PageRequest,
) {
  return queryPage<T>({
    index,
    partition: { name: `${index}pk`, value: partition },
    sort: { name: `${index}sk`, beginsWith: sortPrefix },
    ...page,
  });
}

const KEY_ATTRIBUTES = new Set([...keyAttributes, 'ttl', 'entity']);

/** Table-key attributes are never part of a domain object. (A loop: twice as fast as a rest pattern on hot reads.) */
export function stripKeys<T extends Item>(item: T): T {
  const rest: Item = {};
  for (const name in item) if (!KEY_ATTRIBUTES.has(name)) rest[name] = item[name];
  return rest as T;
}

export function isConditionalCheckFailure(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException';
}

/**
 * The item a failed condition saw (write made with `ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`). The document client does not unmarshall the item carried by the error.
 */
export function conditionFailureItem(error: unknown): Item | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> } | undefined)?.Item;
  return item ? unmarshall(item) : undefined;
}

/** True when a transaction was cancelled because one of its conditions failed (index given). */
export function transactionConditionFailed(error: unknown): number[] {
  if ((error as { name?: string })?.name !== 'TransactionCanceledException') return [];
  return cancellationCodes(error).flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
}
