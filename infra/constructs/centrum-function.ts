import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { lambdaBundle } from '../bundling';
import type { StageSettings } from '../config';
import { entryPath, lockFile, projectRoot } from '../paths';

export interface CentrumFunctionProps {
  /** `<context>` for its API function, `<context>-jobs` for its background one. */
  functionName: string;
  /** The module, relative to the repository: `functions/<context>/handler.ts` or `jobs.ts`, export `handler`. */
  entry: string;
  memorySize: number;
  timeout: Duration;
  stage: string;
  logLevel: StageSettings['logLevel'];
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Encrypts the function's log group. */
  logEncryptionKey: IKey;
  /** Resource names/ARNs the handler needs (TABLE_NAME, BUCKET_NAME, JWT_SECRET_ARN, …). */
  environment: Record<string, string>;
  /** Asynchronous invocations (schedules): failed events go here after `retryAttempts`. */
  asyncFailures?: { deadLetterQueue: IQueue; retryAttempts: number };
}

/**
 * House Lambda function: Node.js 22 on Graviton, bundled locally with esbuild into a single ESM
 * file, X-Ray tracing, its own KMS-encrypted log group with a retention, and an execution role
 * without AWS managed policies (it may write only to its own log group; data access is granted
 * explicitly by the stack).
 */
export class CentrumFunction extends NodejsFunction {
  /** The execution role; attach customer-managed policies here for data access. */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: CentrumFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });
    // Instead of the AWSLambdaBasicExecutionRole managed policy (which allows writing to any log
    // group in the account), the role can only write to this function's log group (below).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of centrum-${props.functionName} (${props.stage})`,
    });

    super(scope, id, {
      description: `Centrum ${props.functionName} (${props.stage})`,
      entry: entryPath(props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: lockFile,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      ...(props.asyncFailures
        ? { deadLetterQueue: props.asyncFailures.deadLetterQueue, retryAttempts: props.asyncFailures.retryAttempts }
        : {}),
      environment: {
        ...props.environment,
        STAGE: props.stage,
        POWERTOOLS_SERVICE_NAME: `centrum-${props.functionName}`,
        LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // Local esbuild (a devDependency) only: synth must never need Docker.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: lambdaBundle.target,
        mainFields: [...lambdaBundle.mainFields],
        minify: lambdaBundle.minify,
        sourceMap: true,
        // Keeps the bundle small; stack traces still map to file:line through the source map.
        sourcesContent: false,
        banner: lambdaBundle.banner,
        externalModules: [...lambdaBundle.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(lambdaBundle.alias).map(([from, to]) => [`--alias:${from}`, to]),
        ),
        logLevel: LogLevel.WARNING,
      },
    });

    this.executionRole = role;
    logGroup.grantWrite(role);

    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support ' +
          'resource-level permissions, so the statement CDK adds for Tracing.ACTIVE must use "*".',
      },
      {
        id: 'HIPAA.Security-IAMNoInlinePolicy',
        reason:
          "The role's only inline policy is what CDK adds for this function itself (X-Ray tracing, writing " +
          'to its own log group); it is never shared. Data access comes from customer-managed policies.',
      },
    );
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is pinned on purpose (bundle target node22, same major as local development) and is ' +
          'supported by Lambda until 2027. Moving to Node.js 24 is a separate change of runtime, target and CI.',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason:
          'No reserved concurrency: it would be taken from the shared account pool and cap legitimate ' +
          'traffic per function. Load is bounded upstream by the HTTP API stage throttling (rate/burst per stage).',
      },
      ...(props.asyncFailures
        ? []
        : [
            {
              id: 'HIPAA.Security-LambdaDLQ',
              reason:
                'Only invoked synchronously (API Gateway) or by an SQS event source mapping, whose queue has its ' +
                'own dead-letter queue; a function dead-letter queue only applies to asynchronous invocations.',
            },
          ]),
      {
        id: 'HIPAA.Security-LambdaInsideVPC',
        reason:
          'The function only calls regional AWS APIs (DynamoDB, S3, Secrets Manager, KMS) over TLS with ' +
          'SigV4 and IAM authorisation; there is no private resource to reach. A VPC would add NAT or ' +
          'interface-endpoint cost and cold-start latency without reducing exposure.',
      },
    );
  }
}
