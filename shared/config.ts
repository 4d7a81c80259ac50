/**
 * Runtime configuration, read once per cold start from the environment. The same variables are
 * set by CDK when deployed and by scripts/start.ts (or the test harness) locally.
 */
export interface RuntimeConfig {
  stage: string;
  tableName: string;
  bucketName: string;
  /** Local engines only: DynamoDB Local / S3 server endpoints. Unset when deployed. */
  dynamodbEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  region: string;
  /** Local only: the JWT signing secret itself. Deployed: read from Secrets Manager (jwtSecretArn). */
  jwtSecret: string | undefined;
  jwtSecretArn: string | undefined;
  /** Count DynamoDB requests per API call (tests and benchmarks). */
  countRequests: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return {
    stage: env.STAGE ?? 'dev',
    tableName: env.TABLE_NAME ?? 'centrum',
    bucketName: env.BUCKET_NAME ?? 'centrum-documents',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'eu-west-3',
    jwtSecret: env.JWT_SECRET || undefined,
    jwtSecretArn: env.JWT_SECRET_ARN || undefined,
    countRequests: env.CENTRUM_COUNT_REQUESTS === '1',
  };
}

export const config = readConfig();
