import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FALLBACK_CONTEXT, api as composition } from '#functions/contexts';
import { timeZoneProblems } from '#shared/context/compose';
import type { ContextDefinition, QueueSpec } from '#shared/context/definition';
import { corsPolicy } from '#shared/http/cors';
import { FALLBACK_ROUTE_KEY, routeKey } from '#shared/http/operation';
import type { CentrumConfig } from '../config';
import type { CentrumFunction } from '../constructs/centrum-function';
import { ContextResources } from '../constructs/context-resources';
import { Messaging } from '../constructs/messaging';
import type { DataAccessPolicies } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: CentrumConfig;
  /** From the data stack. */
  table: ITableV2;
  documentsBucket: IBucket;
  jwtSecret: ISecret;
  /** Customer-managed key; encrypts the log groups of this stack too. */
  key: IKey;
  /** Managed policies of the data stack, attached to the roles of the functions that need them. */
  dataAccess: Record<keyof DataAccessPolicies, IManagedPolicy>;
}

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());

/**
 * The queue SES's events (EventBridge) are delivered to. A queue no schedule produces
 * (`producers: []`) is fed by an AWS service; which one is not in the declaration (yet), so it is
 * named here, and a queue that nothing feeds is refused at synth.
 */
export const MAIL_EVENTS_QUEUE = 'message-events';

/** The queues no schedule of their context produces and no AWS service of the stack feeds: one line each. */
export function queuesNothingFeeds(
  queues: readonly { context: string; queue: Pick<QueueSpec, 'name' | 'producers'> }[],
  fed: ReadonlySet<string>,
): string[] {
  return queues
    .filter(({ queue }) => queue.producers.length === 0 && !fed.has(queue.name))
    .map(({ context, queue }) => `${context}: queue ${queue.name} has no producer, and nothing in the stack feeds it`);
}

/**
 * Stateless: for every bounded context listed at the edge (functions/contexts.ts) its functions,
 * schedules, queues and log subscriptions (infra/constructs/context-resources.ts), one HTTP API
 * route per declared operation, and what sending e-mail and SMS needs (infra/constructs/messaging.ts). No API Gateway authorizer: every handler verifies the access token itself, so the same
 * code path runs locally (scripts/start.ts) and deployed.
 */
export class ApiStack extends Stack {
  /** Each context's resources, by context name. */
  readonly contexts = new Map<string, ContextResources>();
  readonly alarmTopic: Topic;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly messaging: Messaging;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, table, documentsBucket, jwtSecret, key, dataAccess } = props;
    const unknownZones = timeZoneProblems(composition);
    if (unknownZones.length > 0) throw new Error(unknownZones.join('\n'));
    const { settings } = config;

    // Alarms of the background work (dead letters, queues falling behind); subscribe on-call to it.
    // Its own key: CloudWatch must be allowed to encrypt what it publishes, and the health-data key
    // is not widened for that (alarms carry no health data).
    const alarmsKey = new Key(this, 'AlarmsKey', {
      alias: `alias/centrum/${config.stage}/alarms`,
      description: `Centrum ${config.stage}: encrypts the alarm topic (CloudWatch alarms publish to it)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    alarmsKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Centrum ${config.stage} alarms`,
      masterKey: alarmsKey,
      enforceSSL: true,
    });

    const cors = corsPolicy(composition.operations.map((o) => o.operation));

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `centrum-${config.stage}`,
      description: `Centrum ${config.stage} HTTP API`,
      // The stage is created below so that it can have access logging and throttling.
      createDefaultStage: false,
      // Same policy as the local adapter (shared/http/cors.ts); no browser access without origins.
      ...(settings.allowedOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: settings.allowedOrigins,
              allowHeaders: cors.allowHeaders,
              allowMethods: cors.allowMethods.map((method) => CorsHttpMethod[method as keyof typeof CorsHttpMethod]),
              exposeHeaders: cors.exposeHeaders,
              maxAge: Duration.seconds(cors.maxAgeSeconds),
              allowCredentials: false,
            },
          }
        : {}),
    });

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logRetention,
      encryptionKey: key,
      removalPolicy: settings.logRemovalPolicy,
    });
    this.apiStage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No query strings, bodies or authorisation headers: those may carry personal data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    // Links in messages point at the API (reminders' /r/{token}): its stage's address.
    this.messaging = new Messaging(this, 'Messaging', {
      config,
      key,
      sendsSms: (composition.contexts as readonly ContextDefinition[]).some((c) => c.api?.sendsSms || c.jobs?.sendsSms),
      apiBaseUrl: this.apiStage.url,
      alarms: this.alarmTopic,
    });
    const { messaging } = this;

    for (const context of composition.contexts) {
      this.contexts.set(
        context.name,
        new ContextResources(this, pascal(context.name), {
          context,
          stage: config.stage,
          settings,
          key,
          queueKeys: new Map([[MAIL_EVENTS_QUEUE, messaging.mailEventsKey]]),
          environment: {
            TABLE_NAME: table.tableName,
            BUCKET_NAME: documentsBucket.bucketName,
            JWT_SECRET_ARN: jwtSecret.secretArn,
          },
          dataAccess,
          messaging,
          logGroups: messaging.logGroups,
          alarms: this.alarmTopic,
        }),
      );
    }

    // SES events → EventBridge (default bus) → the queue of the context that tracks messages.
    const fedQueues = new Set<string>();
    const mailEventsQueue = [...this.contexts.values()].find((c) => c.queues.has(MAIL_EVENTS_QUEUE));
    if (mailEventsQueue) {
      messaging.routeMailEventsTo(mailEventsQueue.queues.get(MAIL_EVENTS_QUEUE)!);
      fedQueues.add(MAIL_EVENTS_QUEUE);
    }
    const unfed = queuesNothingFeeds(composition.queues, fedQueues);
    if (unfed.length > 0) throw new Error(unfed.join('\n'));

    // One integration per API function, one invoke permission per function (not per route).
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationOf = (context: string) => {
      const fn: CentrumFunction | undefined = this.contexts.get(context)?.api;
      if (!fn) throw new Error(`${context} has routes but no API function`);
      let integration = integrations.get(context);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(context)}Integration`, fn, { scopePermissionToRoute: false });
        integrations.set(context, integration);
      }
      return integration;
    };

    for (const { context, operation } of composition.operations) {
      const httpRoute = new HttpRoute(this, `Route${pascal(operation.operationId)}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(operation.path, HttpMethod[operation.method]),
        integration: integrationOf(context),
      });
      const reason =
        operation.auth === 'public'
          ? `${routeKey(operation)} is public by design (auth: 'public' in functions/${context}/routes.ts).`
          : `${routeKey(operation)} requires ${operation.auth} credentials, verified by the ${context} handler ` +
            "(the pipeline's authenticator for its kind) with the same code that runs locally. An API Gateway " +
            'authorizer would be a second, deployed-only check that local runs never exercise.';
      Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    }

    // Everything else goes to the fallback function, which answers 404/405 as problem+json, the
    // same answer the local adapter gets from it.
    const fallback = new HttpRoute(this, 'RouteDefault', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrationOf(FALLBACK_CONTEXT),
    });
    const fallbackReason = `${FALLBACK_ROUTE_KEY} only answers 404/405 problems (no data, no token needed).`;
    Validations.of(fallback).acknowledge(
      { id: 'AwsSolutions-APIG4', reason: fallbackReason },
      { id: 'AwsSolutions-COG4', reason: fallbackReason },
    );

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL of the HTTP API' });
  }
}
