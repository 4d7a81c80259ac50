import type { TestProject } from 'vitest/node';
import { ensureBucket, startEngines } from '../../scripts/local/engines';

// Lambda runs Node 22: the SDK's notice about Node 20 is noise in the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** DynamoDB Local (in memory) and the S3 server, started once per test run. */
export default async function setup(project: TestProject) {
  const engines = await startEngines();
  await ensureBucket(engines.s3Endpoint, 'centrum-test-documents');
  project.provide('dynamodbEndpoint', engines.dynamodbEndpoint);
  project.provide('s3Endpoint', engines.s3Endpoint);
  return () => engines.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}
