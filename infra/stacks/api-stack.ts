import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
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
import { type IManagedPolicy, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  FALLBACK_ROUTE_KEY,
  type FunctionName,
  fallbackFunction,
  functionNames,
  routeKey,
  routes,
} from '#shared/http/routes';
import { corsPolicy } from '#shared/http/cors';
import { type CentrumConfig, functionSizing } from '../config';
import { CentrumFunction } from '../constructs/centrum-function';
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

/**
 * What each function may touch (least privilege). `Record<FunctionName, …>` forces a decision for
 * every new function. `platform` only serves /health, /openapi.json and /docs: no data, no tokens.
 */
const access: Record<FunctionName, readonly (keyof DataAccessPolicies)[]> = {
  platform: [],
  identity: ['table', 'jwtSecret'],
  centres: ['table', 'jwtSecret'],
  patients: ['table', 'jwtSecret', 'documents'],
};

/** Functions that send e-mail (staff invitations) through SES. */
const sendsEmail: readonly FunctionName[] = ['centres'];

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * Stateless: one Lambda function per bounded context and one HTTP API route per entry of the route
 * table (shared/http/routes.ts). No API Gateway authorizer: every handler verifies the access token
 * itself, so the same code path runs locally (scripts/start.ts) and deployed.
 */
export class ApiStack extends Stack {
  readonly functions: Record<FunctionName, CentrumFunction>;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, table, documentsBucket, jwtSecret, key, dataAccess } = props;
    const { settings } = config;

    const { mail } = config;
    const mailEnvironment: Record<string, string> = {
      MAIL_TRANSPORT: 'ses',
      MAIL_FROM: mail.from,
      APP_BASE_URL: mail.appUrl,
      ...(mail.configurationSet ? { MAIL_CONFIGURATION_SET: mail.configurationSet } : {}),
    };
    // Sending only, only as the configured sender's domain (and through its configuration set).
    const sendEmail = new ManagedPolicy(this, 'SendEmailPolicy', {
      description: `Centrum ${config.stage}: send e-mail as ${mail.senderDomain} through SES`,
      statements: [
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            this.formatArn({ service: 'ses', resource: 'identity', resourceName: mail.senderDomain }),
            ...(mail.configurationSet
              ? [this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: mail.configurationSet })]
              : []),
          ],
        }),
      ],
    });

    const functions = {} as Record<FunctionName, CentrumFunction>;
    for (const name of functionNames) {
      const fn = new CentrumFunction(this, `${pascal(name)}Function`, {
        functionName: name,
        stage: config.stage,
        ...functionSizing[name],
        logLevel: settings.logLevel,
        logRetention: settings.logRetention,
        logRemovalPolicy: settings.logRemovalPolicy,
        logEncryptionKey: key,
        environment: {
          TABLE_NAME: table.tableName,
          BUCKET_NAME: documentsBucket.bucketName,
          JWT_SECRET_ARN: jwtSecret.secretArn,
          ...(sendsEmail.includes(name) ? mailEnvironment : {}),
        },
      });
      for (const kind of access[name]) fn.executionRole.addManagedPolicy(dataAccess[kind]);
      if (sendsEmail.includes(name)) fn.executionRole.addManagedPolicy(sendEmail);
      functions[name] = fn;
    }
    this.functions = functions;

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
              allowHeaders: corsPolicy.allowHeaders,
              allowMethods: corsPolicy.allowMethods.map((method) => CorsHttpMethod[method]),
              exposeHeaders: corsPolicy.exposeHeaders,
              maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
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

    // One integration per function, one invoke permission per function (not per route).
    const integrations = Object.fromEntries(
      functionNames.map((name) => [
        name,
        new HttpLambdaIntegration(`${pascal(name)}Integration`, functions[name], {
          scopePermissionToRoute: false,
        }),
      ]),
    ) as Record<FunctionName, HttpLambdaIntegration>;

    for (const route of routes) {
      const httpRoute = new HttpRoute(this, `Route${pascal(route.operationId)}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrations[route.function],
      });
      const reason =
        route.auth === 'staff'
          ? `${routeKey(route)} requires a staff access token, verified by the ${route.function} handler ` +
            '(signature, issuer, audience, expiry) with the same code that runs locally. An API Gateway ' +
            'JWT/Cognito authorizer would be a second, deployed-only check that local runs never exercise.'
          : `${routeKey(route)} is public by design (auth: 'public' in shared/http/routes.ts).`;
      Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    }

    // Everything else goes to the fallback function, which answers 404/405 as problem+json, the
    // same answer the local adapter gets from it.
    const fallback = new HttpRoute(this, 'RouteDefault', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrations[fallbackFunction],
    });
    const fallbackReason = `${FALLBACK_ROUTE_KEY} only answers 404/405 problems (no data, no token needed).`;
    Validations.of(fallback).acknowledge(
      { id: 'AwsSolutions-APIG4', reason: fallbackReason },
      { id: 'AwsSolutions-COG4', reason: fallbackReason },
    );

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL of the HTTP API' });
  }
}
