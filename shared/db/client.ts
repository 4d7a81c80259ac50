import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { countRequestsMiddleware } from '#shared/db/request-counter';

/**
 * The DynamoDB document client, created once per cold start. This module and the repositories
 * are the only code that talks to DynamoDB.
 */
function createClient() {
  const base = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint
      ? { endpoint: config.dynamodbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  if (config.countRequests)
    base.middlewareStack.add(countRequestsMiddleware, { step: 'initialize', name: 'centrumCountRequests' });
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const db = createClient();
export const tableName = config.tableName;
