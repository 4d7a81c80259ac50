import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '#shared/db/table-definition';
import { api, FALLBACK_CONTEXT } from '#functions/contexts';
import type { ContextDefinition } from '#shared/context/definition';
import { corsPolicy } from '#shared/http/cors';
import { FALLBACK_ROUTE_KEY, routeKey } from '#shared/http/operation';
import type { CentrumApp } from '../../infra/centrum-app';
import { ConfigError, resolveConfig, stageSettings } from '../../infra/config';
import { buildApp, removeSynthOutput, synthTimeout } from './fixture';

/** Synthesized CloudFormation is untyped JSON, walked by the assertions below. */
type CfnJson = any;
type Resources = Record<string, { Type: string; Properties: Record<string, CfnJson>; DeletionPolicy?: string }>;

const onlyResource = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type) as Resources);
  expect(found).toHaveLength(1);
  const [logicalId, resource] = found[0]!;
  return { logicalId, ...resource };
};

const keySchema = (partitionKey: string, sortKey: string) => [
  { AttributeName: partitionKey, KeyType: 'HASH' },
  { AttributeName: sortKey, KeyType: 'RANGE' },
];

describe('Centrum stacks', () => {
  let dev: CentrumApp;
  let prod: CentrumApp;
  let devData: Template;
  let devApi: Template;
  let prodData: Template;
  let prodApi: Template;

  beforeAll(() => {
    // Prepare + Act: two synths (dev, prod), reused by every test below.
    // A configured SES configuration set name in dev, the default one in prod.
    dev = buildApp({ mailConfigurationSet: 'centrum-dev-mail' });
    prod = buildApp({ stage: 'prod' });
    devData = Template.fromStack(dev.data);
    devApi = Template.fromStack(dev.api);
    prodData = Template.fromStack(prod.data);
    prodApi = Template.fromStack(prod.api);
  }, synthTimeout);

  afterAll(removeSynthOutput);

  describe('configuration', () => {
    it('deploys the dev stage to Paris (eu-west-3) when nothing is configured', () => {
      // Assess
      expect(dev.config.stage).toBe('dev');
      expect(dev.data.region).toBe('eu-west-3');
      expect(dev.api.region).toBe('eu-west-3');
      expect(dev.data.stackName).toBe('Centrum-dev-Data');
    });

    it.each([
      ['context', { region: 'us-east-1' }, {}],
      ['CENTRUM_REGION', {}, { CENTRUM_REGION: 'eu-west-2' }],
      ['context (Zurich, in Europe but not in the EEA)', { region: 'eu-central-2' }, {}],
    ])('refuses a region outside the EEA given by %s', (_source, context, env) => {
      // Act + Assess
      expect(() => buildApp(context, env)).toThrow(ConfigError);
      expect(() => buildApp(context, env)).toThrow(/outside the European Economic Area/);
    });

    it('takes stage and region from CENTRUM_STAGE and CENTRUM_REGION, -c context first', () => {
      // Act
      const fromEnv = resolveConfig({
        context: () => undefined,
        env: { CENTRUM_STAGE: 'staging', CENTRUM_REGION: 'eu-central-1' },
      });
      const fromBoth = resolveConfig({
        context: (key) => ({ stage: 'prod', region: 'eu-north-1' })[key],
        env: { CENTRUM_STAGE: 'staging', CENTRUM_REGION: 'eu-central-1' },
      });
      // Assess
      expect(fromEnv).toMatchObject({
        stage: 'staging',
        region: 'eu-central-1',
        settings: stageSettings.staging,
      });
      expect(fromBoth).toMatchObject({ stage: 'prod', region: 'eu-north-1', settings: stageSettings.prod });
    });

    it('ignores CDK_DEFAULT_REGION, so that a developer profile cannot move the data out of the EEA', () => {
      // Act
      const config = resolveConfig({ context: () => undefined, env: { CDK_DEFAULT_REGION: 'us-east-1' } });
      // Assess
      expect(config.region).toBe('eu-west-3');
    });

    it('takes browser origins from -c allowedOrigins or CENTRUM_ALLOWED_ORIGINS and refuses unsafe ones', () => {
      // Act
      const configured = resolveConfig({
        context: (key) =>
          ({ stage: 'prod', allowedOrigins: 'https://app.centrum.health, https://portal.centrum.health' })[key],
        env: {},
      });
      // Assess
      expect(configured.settings.allowedOrigins).toEqual([
        'https://app.centrum.health',
        'https://portal.centrum.health',
      ]);
      for (const unsafe of ['http://app.centrum.health', '*', 'https://app.centrum.health/path']) {
        expect(() => resolveConfig({ context: () => undefined, env: { CENTRUM_ALLOWED_ORIGINS: unsafe } })).toThrow(
          ConfigError,
        );
      }
    });

    it('takes the e-mail sender and the front-end address from -c or CENTRUM_*, refusing unusable ones', () => {
      // Act
      const configured = resolveConfig({
        context: (key) =>
          ({ stage: 'prod', mailFrom: 'Centrum <no-reply@mail.centrum.health>', appUrl: 'https://app.centrum.health' })[
            key
          ],
        env: { CENTRUM_MAIL_CONFIGURATION_SET: 'centrum-prod' },
      });
      const dev = resolveConfig({ context: () => undefined, env: {} });
      // Assess
      expect(configured.mail).toEqual({
        from: 'Centrum <no-reply@mail.centrum.health>',
        senderDomain: 'mail.centrum.health',
        configurationSet: 'centrum-prod',
        appUrl: 'https://app.centrum.health',
      });
      expect(dev.mail.appUrl).toBe('http://localhost:5173');
      expect(() => resolveConfig({ context: () => undefined, env: { CENTRUM_MAIL_FROM: 'nobody' } })).toThrow(
        ConfigError,
      );
      expect(() => resolveConfig({ context: () => undefined, env: { CENTRUM_APP_URL: 'http://app.example' } })).toThrow(
        ConfigError,
      );
    });

    it('refuses an unknown stage', () => {
      // Act + Assess
      expect(() => buildApp({ stage: 'qa' })).toThrow(/Unknown stage "qa"/);
    });
  });

  describe('data stack', () => {
    it('builds the table from the shared table definition', () => {
      // Prepare
      const table = onlyResource(devData, 'AWS::DynamoDB::GlobalTable');
      // Assess
      expect(table.Properties.KeySchema).toEqual(keySchema(tableDefinition.partitionKey, tableDefinition.sortKey));
      expect(table.Properties.TimeToLiveSpecification).toEqual({
        AttributeName: tableDefinition.timeToLiveAttribute,
        Enabled: true,
      });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.GlobalSecondaryIndexes).toEqual(
        tableDefinition.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
      );
    });

    it('encrypts the table with the rotating customer-managed key and keeps point-in-time recovery on', () => {
      // Prepare
      const key = onlyResource(devData, 'AWS::KMS::Key');
      const table = onlyResource(devData, 'AWS::DynamoDB::GlobalTable');
      // Assess
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.Properties.Replicas).toEqual([
        expect.objectContaining({
          Region: 'eu-west-3',
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [key.logicalId, 'Arn'] } },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ]);
    });

    it('protects the table from deletion in prod but not in dev', () => {
      // Prepare
      const replica = (template: Template) =>
        onlyResource(template, 'AWS::DynamoDB::GlobalTable').Properties.Replicas[0];
      // Assess
      expect(replica(prodData).DeletionProtectionEnabled).toBe(true);
      expect(replica(devData).DeletionProtectionEnabled).toBe(false);
      expect(prod.data.terminationProtection).toBe(true);
      expect(dev.data.terminationProtection).toBe(false);
    });

    it.each(['AWS::KMS::Key', 'AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret'])(
      'retains every %s when the stack is deleted or the resource replaced',
      (type) => {
        // Prepare
        const resources = Object.values(devData.findResources(type));
        // Assess
        expect(resources.length).toBeGreaterThan(0);
        for (const resource of resources) {
          expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        }
      },
    );

    it('keeps the documents bucket private, versioned, KMS-encrypted, logged and TLS-only', () => {
      // Prepare
      const key = onlyResource(devData, 'AWS::KMS::Key');
      const buckets = devData.findResources('AWS::S3::Bucket', {
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
          },
        },
      });
      const [documentsId] = Object.keys(buckets);
      // Assess
      expect(Object.keys(buckets)).toHaveLength(1);
      devData.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [key.logicalId, 'Arn'] },
              },
            },
          ],
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'documents/' },
      });
      devData.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: documentsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('generates a 64-character JWT signing key encrypted with the customer-managed key', () => {
      // Prepare
      const key = onlyResource(devData, 'AWS::KMS::Key');
      const secret = onlyResource(devData, 'AWS::SecretsManager::Secret');
      // Assess
      expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(64);
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key.logicalId, 'Arn'] });
    });
  });

  describe('api stack', () => {
    /** Centrum's functions by name (not CDK's custom resource provider, which has no service name). */
    const functionsByName = (template: Template) => {
      const byName = new Map<string, { logicalId: string; Properties: Record<string, CfnJson> }>();
      for (const [logicalId, fn] of Object.entries(template.findResources('AWS::Lambda::Function') as Resources)) {
        const service: string | undefined = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
        if (service) byName.set(service.replace(/^centrum-/, ''), { logicalId, Properties: fn.Properties });
      }
      return byName;
    };
    const declaredFunctions = (api.contexts as readonly ContextDefinition[]).flatMap((c) => [
      ...(c.api ? [[c.name, c.api] as const] : []),
      ...(c.jobs ? [[`${c.name}-jobs`, c.jobs] as const] : []),
    ]);
    /** The logical ids of the managed policies attached to a function's execution role. */
    const managedPolicyIdsOf = (template: Template, fn: { Properties: Record<string, CfnJson> }): string[] => {
      const roles = template.findResources('AWS::IAM::Role') as Resources;
      const arns: CfnJson[] = roles[fn.Properties.Role['Fn::GetAtt'][0]]?.Properties.ManagedPolicyArns ?? [];
      return arns.map((arn) => arn.Ref).filter((id): id is string => typeof id === 'string');
    };

    it("creates each context's functions, arm64 Node.js 22, with the memory and timeout it declares", () => {
      // Prepare
      const byName = functionsByName(prodApi);
      const declared = declaredFunctions;
      // Assess
      expect([...byName.keys()].sort()).toEqual(declared.map(([name]) => name).sort());
      for (const [name, settings] of declared) {
        expect(byName.get(name)?.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: settings.memoryMb,
          Timeout: settings.timeoutSeconds,
          TracingConfig: { Mode: 'Active' },
          Environment: {
            Variables: expect.objectContaining({
              STAGE: 'prod',
              LOG_LEVEL: stageSettings.prod.logLevel,
              NODE_OPTIONS: '--enable-source-maps',
              TABLE_NAME: expect.anything(),
              BUCKET_NAME: expect.anything(),
              JWT_SECRET_ARN: expect.anything(),
            }),
          },
        });
      }
      expect(byName.get('identity')?.Properties.MemorySize).toBe(1024);
    });

    it('gives only the patients function access to documents, and platform no data access at all', () => {
      // Prepare
      const byName = functionsByName(devApi);
      const roles = devApi.findResources('AWS::IAM::Role') as Resources;
      const managedPolicies = (name: string) => {
        const roleRef = byName.get(name)?.Properties.Role['Fn::GetAtt'][0];
        return JSON.stringify(roles[roleRef]?.Properties.ManagedPolicyArns ?? []);
      };
      // Assess
      expect(managedPolicies('platform')).toBe('[]');
      for (const name of ['identity', 'centres', 'patients']) {
        expect(managedPolicies(name)).toMatch(/TableReadWritePolicy/);
        expect(managedPolicies(name)).toMatch(/JwtSecretReadPolicy/);
      }
      expect(managedPolicies('patients')).toMatch(/DocumentsReadWritePolicy/);
      expect(managedPolicies('identity')).not.toMatch(/DocumentsReadWritePolicy/);
      expect(managedPolicies('centres')).not.toMatch(/DocumentsReadWritePolicy/);
      expect(JSON.stringify(roles)).not.toMatch(/AWSLambdaBasicExecutionRole/);
    });

    it('lets only the functions that declare it send e-mail, through SES, as the configured sender domain and through the configuration set only', () => {
      // Prepare
      const byName = functionsByName(devApi);
      const policies = devApi.findResources('AWS::IAM::ManagedPolicy') as Resources;
      const [policyId, policy] = Object.entries(policies).find(([id]) => id.includes('SendEmailPolicy'))!;
      const configurationSet = onlyResource(devApi, 'AWS::SES::ConfigurationSet');
      const rolesWithPolicy = [...byName].filter(([, fn]) => managedPolicyIdsOf(devApi, fn).includes(policyId));
      const senders = declaredFunctions.filter(([, settings]) => settings.sendsEmail).map(([name]) => name);
      // Assess
      expect(senders).toEqual(expect.arrayContaining(['centres', 'centres-jobs', 'reminders-jobs']));
      expect(rolesWithPolicy.map(([name]) => name).sort()).toEqual(senders.sort());
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        expect.objectContaining({ Action: 'ses:SendEmail', Effect: 'Allow' }),
      ]);
      const resources = JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource);
      expect(resources).toContain(':identity/centrum.invalid');
      expect(resources).toContain(`:configuration-set/",{"Ref":"${configurationSet.logicalId}"}`);
      for (const sender of senders) {
        expect(byName.get(sender)?.Properties.Environment.Variables, sender).toMatchObject({
          MAIL_TRANSPORT: 'ses',
          MAIL_FROM: 'Centrum <no-reply@centrum.invalid>',
          MAIL_CONFIGURATION_SET: { Ref: configurationSet.logicalId },
          APP_BASE_URL: 'http://localhost:5173',
        });
      }
      expect(byName.get('patients')?.Properties.Environment.Variables.MAIL_TRANSPORT).toBeUndefined();
    });

    it("creates exactly one route per declared operation, each integrated with its context's function, and a $default fallback", () => {
      // Prepare
      const byName = functionsByName(devApi);
      const integrations = devApi.findResources('AWS::ApiGatewayV2::Integration') as Resources;
      const apiRoutes = Object.values(devApi.findResources('AWS::ApiGatewayV2::Route') as Resources);
      const functionOf = (target: CfnJson): string | undefined => {
        const integrationId: string = target['Fn::Join'][1][1].Ref;
        const functionId: string = integrations[integrationId]?.Properties.IntegrationUri['Fn::GetAtt'][0];
        return [...byName].find(([, fn]) => fn.logicalId === functionId)?.[0];
      };
      // Assess
      expect(apiRoutes.map((route) => route.Properties.RouteKey).sort()).toEqual(
        [...api.operations.map((o) => routeKey(o.operation)), FALLBACK_ROUTE_KEY].sort(),
      );
      for (const { context, operation } of api.operations) {
        const apiRoute = apiRoutes.find((candidate) => candidate.Properties.RouteKey === routeKey(operation));
        expect(functionOf(apiRoute?.Properties.Target), routeKey(operation)).toBe(context);
      }
      const fallback = apiRoutes.find((candidate) => candidate.Properties.RouteKey === FALLBACK_ROUTE_KEY);
      expect(functionOf(fallback?.Properties.Target)).toBe(FALLBACK_CONTEXT);
    });

    it('allows the dev front end origin by CORS, and no browser origin in prod until configured', () => {
      // Assess
      devApi.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: {
          AllowOrigins: ['http://localhost:5173'],
          AllowHeaders: corsPolicy(api.operations.map((o) => o.operation)).allowHeaders,
          AllowCredentials: false,
        },
      });
      const prodApis = Object.values(prodApi.findResources('AWS::ApiGatewayV2::Api') as Resources);
      expect(prodApis.map((api) => api.Properties.CorsConfiguration)).toEqual([undefined]);
    });

    describe('background work', () => {
      const contexts = api.contexts as readonly ContextDefinition[];
      const schedules = contexts.flatMap((c) => c.jobs?.schedules ?? []);
      const queues = contexts.flatMap((c) => c.jobs?.queues ?? []);

      it('declares some, so that these assertions assert something', () => {
        expect(schedules.length).toBeGreaterThan(0);
        expect(queues.length).toBeGreaterThan(0);
      });

      it('makes each declared schedule an EventBridge Scheduler schedule: time zone, retries, dead-letter queue, intended time', () => {
        const made = Object.values(prodApi.findResources('AWS::Scheduler::Schedule') as Resources);
        expect(made.map((m) => m.Properties.Name).sort()).toEqual(
          schedules.map((s) => `centrum-prod-${s.name}`).sort(),
        );
        for (const schedule of schedules) {
          const found = made.find((m) => m.Properties.Name === `centrum-prod-${schedule.name}`)!;
          expect(found.Properties).toMatchObject({
            ScheduleExpression: schedule.expression,
            ScheduleExpressionTimezone: schedule.timeZone,
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              RetryPolicy: {
                MaximumRetryAttempts: schedule.retry.maxAttempts,
                MaximumEventAgeInSeconds: schedule.retry.maxEventAgeSeconds,
              },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/JobsDeadLetters/), 'Arn'] } },
            },
          });
          const input = JSON.parse(found.Properties.Target.Input);
          expect(input).toEqual({
            source: 'centrum.schedule',
            schedule: schedule.name,
            scheduledTime: '<aws.scheduler.scheduled-time>',
            executionId: '<aws.scheduler.execution-id>',
            payload: schedule.input,
          });
        }
      });

      it('gives each declared queue a KMS-encrypted SQS queue with a dead-letter queue, partial batch responses and alarms', () => {
        const made = prodApi.findResources('AWS::SQS::Queue') as Resources;
        const mappings = Object.values(prodApi.findResources('AWS::Lambda::EventSourceMapping') as Resources);
        const alarms = Object.values(prodApi.findResources('AWS::CloudWatch::Alarm') as Resources);
        for (const queue of queues) {
          const [queueId, main] = Object.entries(made).find(
            ([, q]) => q.Properties.QueueName === `centrum-prod-${queue.name}`,
          )!;
          const [deadId, dead] = Object.entries(made).find(
            ([, q]) => q.Properties.QueueName === `centrum-prod-${queue.name}-dead-letters`,
          )!;
          expect(main.Properties).toMatchObject({
            VisibilityTimeout: queue.visibilityTimeoutSeconds,
            KmsMasterKeyId: expect.anything(),
            RedrivePolicy: {
              deadLetterTargetArn: { 'Fn::GetAtt': [deadId, 'Arn'] },
              maxReceiveCount: queue.maxReceiveCount,
            },
          });
          expect(dead.Properties.KmsMasterKeyId).toBeDefined();
          const mapping = mappings.find((m) => JSON.stringify(m.Properties.EventSourceArn).includes(queueId));
          expect(mapping?.Properties).toMatchObject({
            BatchSize: queue.batchSize,
            MaximumBatchingWindowInSeconds: queue.maxBatchingWindowSeconds,
            FunctionResponseTypes: ['ReportBatchItemFailures'],
          });
          const watching = (id: string) => alarms.filter((a) => JSON.stringify(a.Properties.Dimensions).includes(id));
          expect(watching(deadId).map((a) => a.Properties.MetricName)).toEqual(['ApproximateNumberOfMessagesVisible']);
          expect(watching(queueId).map((a) => [a.Properties.MetricName, a.Properties.Threshold])).toEqual([
            ['ApproximateAgeOfOldestMessage', queue.maxMessageAgeSeconds],
            ['ApproximateNumberOfMessagesVisible', queue.maxDepth],
          ]);
          for (const alarm of [...watching(deadId), ...watching(queueId)])
            expect(alarm.Properties.AlarmActions).toHaveLength(1);
        }
      });

      it("lets the scheduler's role encrypt for the jobs dead-letter queue, and CloudWatch publish to the encrypted alarm topic", () => {
        const roles = prodApi.findResources('AWS::IAM::Role') as Resources;
        const [schedulerRoleId] = Object.entries(roles).find(([, r]) =>
          JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
        )!;
        const policies = Object.values(prodApi.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
          JSON.stringify(p.Properties.Roles).includes(schedulerRoleId),
        );
        const actions = policies.flatMap((p) =>
          p.Properties.PolicyDocument.Statement.flatMap((st: CfnJson) => st.Action),
        );
        expect(actions).toEqual(
          expect.arrayContaining(['lambda:InvokeFunction', 'sqs:SendMessage', 'kms:GenerateDataKey*']),
        );

        const topic = onlyResource(prodApi, 'AWS::SNS::Topic');
        const keys = prodApi.findResources('AWS::KMS::Key') as Resources;
        const topicKey = keys[topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0]]!;
        expect(topicKey.Properties.KeyPolicy.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        );
      });

      it('retries a failed scheduled run twice, then keeps it in the dead-letter queue', () => {
        const jobsFunctions = Object.entries(prodApi.findResources('AWS::Lambda::Function') as Resources).filter(
          ([, f]) => String(f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME).endsWith('-jobs'),
        );
        expect(jobsFunctions.length).toBeGreaterThan(0);
        for (const [id, fn] of jobsFunctions) {
          expect(fn.Properties.DeadLetterConfig?.TargetArn).toEqual({
            'Fn::GetAtt': [expect.stringMatching(/JobsDeadLetters/), 'Arn'],
          });
          prodApi.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
            FunctionName: { Ref: id },
            MaximumRetryAttempts: 2,
          });
        }
      });
    });

    describe('messages and what the providers tell about them', () => {
      const smsLogGroups = ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure'];
      const typed = (template: Template, type: string) => template.findResources(type) as Resources;
      const logicalIdOf = (template: Template, type: string, match: (r: Resources[string]) => boolean) => {
        const found = Object.entries(typed(template, type)).filter(([, r]) => match(r));
        expect(found).toHaveLength(1);
        return found[0]![0];
      };

      it('lets only the functions that declare sendsSms publish SMS, to phone numbers and no topic, with SMS_TRANSPORT=sns', () => {
        // Prepare
        const byName = functionsByName(prodApi);
        const smsSenders = declaredFunctions.filter(([, settings]) => settings.sendsSms).map(([name]) => name);
        const publishing = Object.entries(typed(prodApi, 'AWS::IAM::ManagedPolicy')).filter(([, p]) =>
          JSON.stringify(p.Properties.PolicyDocument).includes('sns:Publish'),
        );
        const inlinePublish = Object.values(typed(prodApi, 'AWS::IAM::Policy')).filter((p) =>
          JSON.stringify(p.Properties.PolicyDocument).includes('sns:Publish'),
        );
        // Assess
        expect(smsSenders).toEqual(['reminders-jobs']);
        expect(publishing).toHaveLength(1);
        expect(inlinePublish).toEqual([]);
        const [policyId, policy] = publishing[0]!;
        expect(policy.Properties.PolicyDocument.Statement).toEqual([
          { Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:aws:sns:*:*:*' },
          { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
        ]);
        for (const [name, fn] of byName) {
          const sends = smsSenders.includes(name);
          expect(managedPolicyIdsOf(prodApi, fn).includes(policyId), name).toBe(sends);
          expect(fn.Properties.Environment.Variables.SMS_TRANSPORT, name).toBe(sends ? 'sns' : undefined);
        }
      });

      it("subscribes the reminders jobs function to both of SNS's SMS delivery-status log groups, which the stack creates encrypted with a retention", () => {
        // Prepare
        const jobs = functionsByName(prodApi).get('reminders-jobs')!;
        const filters = Object.values(typed(prodApi, 'AWS::Logs::SubscriptionFilter'));
        const logGroups = typed(prodApi, 'AWS::Logs::LogGroup');
        const permissions = Object.values(typed(prodApi, 'AWS::Lambda::Permission')).filter(
          (p) => p.Properties.Principal === 'logs.amazonaws.com',
        );
        // Assess
        expect(filters).toHaveLength(smsLogGroups.length);
        const subscribed = filters.map((filter) => {
          expect(filter.Properties).toMatchObject({
            DestinationArn: { 'Fn::GetAtt': [jobs.logicalId, 'Arn'] },
            FilterPattern: '',
            FilterName: 'centrum-prod-sms-delivery-status',
          });
          const group = logGroups[filter.Properties.LogGroupName.Ref]!;
          expect(group.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: expect.anything() });
          // sns/<region>/<account>/DirectPublishToPhoneNumber[/Failure], the account as a token
          const [prefix, account, suffix] = group.Properties.LogGroupName['Fn::Join'][1];
          expect([prefix, account]).toEqual(['sns/eu-west-3/', { Ref: 'AWS::AccountId' }]);
          expect(permissions.map((p) => p.Properties.SourceArn)).toContainEqual({
            'Fn::GetAtt': [filter.Properties.LogGroupName.Ref, 'Arn'],
          });
          return String(suffix).replace(/^\//, '');
        });
        expect(subscribed.sort()).toEqual([...smsLogGroups].sort());
        for (const permission of permissions) {
          expect(permission.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [jobs.logicalId, 'Arn'] });
        }
      });

      it("turns SNS's SMS delivery-status logging on: a role SNS assumes, writing those groups only, named by setSMSAttributes", () => {
        // Prepare
        const roles = typed(prodApi, 'AWS::IAM::Role');
        const snsRoleId = logicalIdOf(prodApi, 'AWS::IAM::Role', (r) =>
          JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sns.amazonaws.com'),
        );
        const snsPolicy = Object.values(typed(prodApi, 'AWS::IAM::ManagedPolicy')).find((p) =>
          JSON.stringify(p.Properties.Roles ?? []).includes(snsRoleId),
        )!;
        const [settings] = Object.values(typed(prodApi, 'Custom::SmsAccountSettings'));
        const call = (json: CfnJson) => {
          const [before, roleArn, after] = json['Fn::Join'][1];
          return { call: JSON.parse(`${before}ROLE${after}`), roleArn };
        };
        // Assess
        expect(roles[snsRoleId]?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'sns.amazonaws.com' } },
        ]);
        expect(snsPolicy.Properties.PolicyDocument.Statement).toEqual([
          expect.objectContaining({
            Effect: 'Allow',
            Action: [
              'logs:CreateLogGroup',
              'logs:CreateLogStream',
              'logs:PutLogEvents',
              'logs:PutMetricFilter',
              'logs:PutRetentionPolicy',
            ],
          }),
        ]);
        const resources = JSON.stringify(snsPolicy.Properties.PolicyDocument.Statement[0].Resource);
        expect(resources).not.toMatch(/"\*"|:\*"/);
        for (const group of smsLogGroups) expect(resources).toContain(`/${group}"`);
        expect(settings).toBeDefined();
        for (const when of ['Create', 'Update']) {
          const { call: sdkCall, roleArn } = call(settings!.Properties[when]);
          expect(sdkCall).toEqual({
            service: 'SNS',
            action: 'setSMSAttributes',
            parameters: {
              attributes: {
                DeliveryStatusIAMRole: 'ROLE',
                DeliveryStatusSuccessSamplingRate: '100',
                DefaultSMSType: 'Transactional',
              },
            },
            physicalResourceId: { id: 'centrum-sms-attributes' },
          });
          expect(roleArn).toEqual({ 'Fn::GetAtt': [snsRoleId, 'Arn'] });
        }
        expect(settings!.Properties.Delete).toBeUndefined();
        // The provider runs with its own role (no AWS managed policy) and an encrypted log group.
        expect(JSON.stringify(roles)).not.toMatch(/AWSLambdaBasicExecutionRole/);
      });

      it('creates the SES configuration set, named as configured or centrum-<stage>, publishing every tracked event to the default event bus', () => {
        // Prepare
        const named = (template: Template) => onlyResource(template, 'AWS::SES::ConfigurationSet').Properties.Name;
        const destination = onlyResource(prodApi, 'AWS::SES::ConfigurationSetEventDestination');
        const configurationSet = onlyResource(prodApi, 'AWS::SES::ConfigurationSet');
        // Assess
        expect(named(devApi)).toBe('centrum-dev-mail');
        expect(named(prodApi)).toBe('centrum-prod');
        expect(destination.Properties.ConfigurationSetName).toEqual({ Ref: configurationSet.logicalId });
        expect(destination.Properties.EventDestination).toMatchObject({
          Enabled: true,
          EventBridgeDestination: {
            EventBusArn: {
              'Fn::Join': ['', ['arn:aws:events:eu-west-3:', { Ref: 'AWS::AccountId' }, ':event-bus/default']],
            },
          },
        });
        expect([...destination.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(
          ['send', 'delivery', 'bounce', 'complaint', 'reject', 'renderingFailure', 'open', 'click'].sort(),
        );
      });

      it("sends the configuration set's SES events to the message-events queue, which EventBridge may send to and encrypt for", () => {
        // Prepare
        const queues = typed(prodApi, 'AWS::SQS::Queue');
        const queueId = logicalIdOf(
          prodApi,
          'AWS::SQS::Queue',
          (q) => q.Properties.QueueName === 'centrum-prod-message-events',
        );
        const rule = onlyResource(prodApi, 'AWS::Events::Rule');
        const configurationSet = onlyResource(prodApi, 'AWS::SES::ConfigurationSet');
        const queuePolicy = Object.values(typed(prodApi, 'AWS::SQS::QueuePolicy')).find(
          (p) => p.Properties.Queues[0].Ref === queueId,
        )!;
        const keys = typed(prodApi, 'AWS::KMS::Key');
        const keyId: string = queues[queueId]!.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
        const eventsMayUse = (statement: CfnJson) =>
          statement.Effect === 'Allow' && statement.Principal?.Service === 'events.amazonaws.com';
        const alarms = Object.values(typed(prodApi, 'AWS::CloudWatch::Alarm')).filter(
          (a) => a.Properties.Namespace === 'AWS/Events',
        );
        // Assess
        expect(rule.Properties).toMatchObject({
          Name: 'centrum-prod-mail-events',
          EventPattern: {
            source: ['aws.ses'],
            detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: configurationSet.logicalId }] } } },
          },
          Targets: [{ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] }, Id: expect.any(String) }],
        });
        expect(queuePolicy.Properties.PolicyDocument.Statement.filter(eventsMayUse)).toEqual([
          expect.objectContaining({
            Action: expect.arrayContaining(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]);
        // Its own key (not the data key of the data stack), which EventBridge may use for this account's rules.
        expect(keys[keyId]?.Properties.EnableKeyRotation).toBe(true);
        expect(keys[keyId]?.Properties.KeyPolicy.Statement.filter(eventsMayUse)).toEqual([
          expect.objectContaining({
            Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']),
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]);
        expect(alarms.map((a) => [a.Properties.MetricName, a.Properties.Dimensions])).toEqual([
          ['FailedInvocations', [{ Name: 'RuleName', Value: { Ref: expect.stringMatching(/MailEventsRule/) } }]],
        ]);
      });

      it("gives the functions that send messages the API's address for the links they write (API_BASE_URL), and no other", () => {
        // Prepare
        const byName = functionsByName(prodApi);
        const stage = onlyResource(prodApi, 'AWS::ApiGatewayV2::Stage');
        const apiId: string = stage.Properties.ApiId.Ref;
        const messageSenders = declaredFunctions
          .filter(([, settings]) => settings.sendsEmail || settings.sendsSms)
          .map(([name]) => name);
        // Assess
        expect(messageSenders).toContain('reminders-jobs');
        for (const [name, fn] of byName) {
          const url = fn.Properties.Environment.Variables.API_BASE_URL;
          if (!messageSenders.includes(name)) expect(url, name).toBeUndefined();
          else
            expect(url, name).toEqual({
              'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-3.', { Ref: 'AWS::URLSuffix' }, '/']],
            });
        }
      });
    });

    it('has no API Gateway authorizer: the handlers verify tokens themselves', () => {
      // Assess
      devApi.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
      for (const route of Object.values(devApi.findResources('AWS::ApiGatewayV2::Route') as Resources)) {
        expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
      }
    });

    it('throttles the default stage and writes access logs to an encrypted log group', () => {
      // Assess
      prodApi.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: stageSettings.prod.throttle.rateLimit,
          ThrottlingBurstLimit: stageSettings.prod.throttle.burstLimit,
        },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
          Format: Match.anyValue(),
        },
      });
      const logGroups = Object.values(prodApi.findResources('AWS::Logs::LogGroup') as Resources);
      // One per function, the access logs, SNS's two SMS delivery-status groups, the custom resource provider's.
      expect(logGroups).toHaveLength(functionsByName(prodApi).size + 1 + 2 + 1);
      for (const logGroup of logGroups) {
        expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: expect.anything() });
      }
    });
  });
});
