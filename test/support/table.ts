import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { dynamoClient } from '../../scripts/local/engines';

/** Test-only: every item of this file's table, to prove a failed request wrote nothing. */
export async function allItems() {
  const client = dynamoClient(inject('dynamodbEndpoint'));
  const items: Record<string, unknown>[] = [];
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const out = await client.send(
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
