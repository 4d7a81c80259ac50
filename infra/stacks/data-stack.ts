import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct, IConstruct } from 'constructs';
import { tableDefinition } from '#shared/db/table-definition';
import type { CentrumConfig } from '../config';

export interface DataStackProps extends StackProps {
  config: CentrumConfig;
}

export interface DataAccessPolicies {
  /** Read/write items of the table and query its indexes (+ the key, through the grant). */
  table: ManagedPolicy;
  /** Read, write and delete (delete marker only: versions stay) objects of the documents bucket. */
  documents: ManagedPolicy;
  /** Read the JWT signing key. */
  jwtSecret: ManagedPolicy;
}

const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

/**
 * Stateful resources: everything that holds patient or account data, and the key protecting it. All
 * of them are RETAINed, so that deleting the stack or replacing a resource can never delete data; the
 * API stack is stateless and can be destroyed and redeployed freely.
 */
export class DataStack extends Stack {
  /** The customer-managed key encrypting the table, the documents bucket, the JWT secret and the logs. */
  readonly key: Key;
  readonly table: TableV2;
  /** Patient documents and imaging. */
  readonly documentsBucket: Bucket;
  /** Receives the S3 server access logs of the documents bucket. */
  readonly accessLogsBucket: Bucket;
  /** HMAC key the handlers use to sign and verify access tokens. */
  readonly jwtSecret: Secret;
  /**
   * Customer-managed policies, one per kind of access, written next to the data they open up. The
   * API stack attaches them to the roles of the functions that need them. Granting here rather than
   * to the roles in the API stack keeps every ARN local (no cross-stack tokens in the policies) and
   * avoids writing role ARNs of the API stack into this stack's key policy (a dependency cycle).
   */
  readonly access: DataAccessPolicies;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage, settings } = props.config;

    this.key = new Key(this, 'DataKey', {
      alias: `alias/centrum/${stage}/data`,
      description: `Centrum ${stage}: encrypts health data (DynamoDB, S3), the JWT signing key and logs`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the API stack's log groups with this key; it must be allowed to in
    // the key policy, restricted to log groups of this account and region.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.table = new TableV2(this, 'Table', {
      partitionKey: stringKey(tableDefinition.partitionKey),
      sortKey: stringKey(tableDefinition.sortKey),
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      globalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
      })),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access logging can only deliver to a bucket encrypted with SSE-S3, not SSE-KMS.
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          expiration: Duration.days(settings.accessLogExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge(
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the server access log destination; logging it into itself would loop.',
      },
      {
        id: 'HIPAA.Security-S3BucketLoggingEnabled',
        reason: 'This is the server access log destination; logging it into itself would loop.',
      },
      {
        id: 'HIPAA.Security-S3DefaultEncryptionKMS',
        reason: 'S3 server access logging only delivers to SSE-S3 encrypted buckets (SSE-KMS is unsupported).',
      },
      {
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason: 'Access logs hold no health data; a replica would only double their retention cost.',
      },
    );

    this.documentsBucket = new Bucket(this, 'DocumentsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'documents/',
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.documentsBucket).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Cross-region replication needs a second EEA region and its own key; not decided yet. Durability ' +
        'comes from S3 (11 nines), versioning and RETAIN. See docs/decisions/0003-infrastructure.md.',
    });

    this.jwtSecret = new Secret(this, 'JwtSigningKey', {
      description: `Centrum ${stage}: HMAC key for access tokens (read by the handlers at cold start)`,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.jwtSecret).acknowledge(
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the signing key invalidates every access token at once; the handlers do not yet accept ' +
          'a previous key during a grace period, so rotation is a manual, announced operation for now.',
      },
      {
        id: 'HIPAA.Security-SecretsManagerRotationEnabled',
        reason:
          'Rotating the signing key invalidates every access token at once; the handlers do not yet accept ' +
          'a previous key during a grace period, so rotation is a manual, announced operation for now.',
      },
    );

    this.access = this.createAccessPolicies(stage);
  }

  private createAccessPolicies(stage: string): DataAccessPolicies {
    const table = new ManagedPolicy(this, 'TableReadWritePolicy', {
      description: `Centrum ${stage}: read/write the table and query its indexes`,
    });
    this.table.grantReadWriteData(table);
    Validations.of(table).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${this.arnOf(this.table)}/index/*]`,
        reason: `Queries on the table's own indexes (${tableDefinition.globalSecondaryIndexes.map((i) => i.indexName).join(', ')}), added by grantReadWriteData.`,
      },
      ...kmsGrantWildcards('DynamoDB encrypts items with the CMK on behalf of the caller'),
    );

    const documents = new ManagedPolicy(this, 'DocumentsReadWritePolicy', {
      description: `Centrum ${stage}: read/write patient documents (no permanent deletion of versions)`,
    });
    this.documentsBucket.grantRead(documents);
    this.documentsBucket.grantPut(documents);
    // Not grantDelete (s3:DeleteObject*, which includes DeleteObjectVersion): the application may
    // only add delete markers, so every deleted document stays recoverable through versioning.
    documents.addStatements(
      new PolicyStatement({
        actions: ['s3:DeleteObject'],
        resources: [this.documentsBucket.arnForObjects('*')],
      }),
    );
    Validations.of(documents).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${this.arnOf(this.documentsBucket)}/*]`,
        reason: 'Objects of the documents bucket only; object keys are chosen per centre and patient at run time.',
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} comes from CDK's bucket.grantRead/grantPut and is limited to the documents bucket.`,
      })),
      ...kmsGrantWildcards('S3 encrypts objects with the CMK (bucket key) on behalf of the caller'),
    );

    // Explicit statements instead of jwtSecret.grantRead(): for a CMK-encrypted secret that would
    // put a principal into the key policy, which a managed policy cannot be.
    const jwtSecret = new ManagedPolicy(this, 'JwtSecretReadPolicy', {
      description: `Centrum ${stage}: read the JWT signing key`,
      statements: [
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [this.jwtSecret.secretArn],
        }),
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
        }),
      ],
    });

    return { table, documents, jwtSecret };
  }

  /** How cdk-nag prints the ARN of a resource of this stack in a finding id: `<LogicalId.Arn>`. */
  private arnOf(resource: IConstruct): string {
    return `<${this.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
  }
}

/** kms:ReEncrypt* and kms:GenerateDataKey* are what CDK grants for encrypt/decrypt on one key. */
function kmsGrantWildcards(why: string) {
  return ['kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action) => ({
    id: `AwsSolutions-IAM5[Action::${action}]`,
    reason: `${why}; ${action} is added by the CDK grant and is limited to the Centrum CMK.`,
  }));
}
