import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, type AwsSdkCall, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { CentrumConfig } from '../config';

/**
 * Where SNS writes the delivery status of SMS published to phone numbers, once delivery-status
 * logging is on: AWS's names, one pair per account and region. Context declarations name them the
 * same way (`LogSubscriptionSpec.logGroups`, with `{region}` and `{account}`).
 */
export const smsDeliveryStatusLogGroups = [
  'sns/{region}/{account}/DirectPublishToPhoneNumber',
  'sns/{region}/{account}/DirectPublishToPhoneNumber/Failure',
] as const;

/** SES events published to EventBridge: everything that tells what became of a message. */
export const mailEvents = [
  EmailSendingEvent.SEND,
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
  EmailSendingEvent.OPEN,
  EmailSendingEvent.CLICK,
] as const;

/** A declared log group name, `{region}` and `{account}` replaced by the stack's (tokens if unresolved). */
export function logGroupName(declared: string, stack: Stack): string {
  return declared.split('{region}').join(stack.region).split('{account}').join(stack.account);
}

export interface MessagingProps {
  config: CentrumConfig;
  /** The Centrum CMK: encrypts the log groups created here. */
  key: IKey;
  /** Whether some function sends SMS: the SMS policy and the account's SMS settings exist only then. */
  sendsSms: boolean;
  /** The API's public address: links in messages (reminders' `/r/{token}`) point at it. */
  apiBaseUrl: string;
  /** Where alarms go (mail events EventBridge could not deliver). */
  alarms: ITopic;
}

/** What a function that sends one kind of message gets: a managed policy and its environment. */
export interface Channel {
  policy: ManagedPolicy;
  environment: Record<string, string>;
}

/**
 * Outgoing messages and what the providers tell about them afterwards:
 * - e-mail: the SES configuration set every e-mail is sent through (MAIL_CONFIGURATION_SET), which
 *   publishes the messages' events to EventBridge (default bus); `routeMailEventsTo` adds the rule
 *   taking them to a queue;
 * - SMS: sns:Publish to phone numbers, and SNS's SMS delivery-status logging — account-level
 *   settings (a custom resource), the role SNS assumes to write the logs, and the log groups it
 *   writes, created here so that subscription filters can be made on them at deploy.
 */
export class Messaging extends Construct {
  readonly configurationSet: ConfigurationSet;
  /** Every function that sends a message (e-mail or SMS): where the links in messages point. */
  readonly links: Record<string, string>;
  readonly email: Channel;
  readonly sms: Channel | undefined;
  /** Log groups another service writes to, by their declared name (`{region}`, `{account}`). */
  readonly logGroups = new Map<string, LogGroup>();
  /**
   * Encrypts the queues EventBridge delivers mail events to. Their own key, not the data key:
   * EventBridge must be allowed to use it in its key policy, and the health-data key is not
   * widened for that (as the alarm topic's key).
   */
  readonly mailEventsKey: Key;
  private readonly stage: string;
  private readonly alarms: ITopic;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { config, key } = props;
    const { mail, stage, settings } = config;
    const stack = Stack.of(this);
    this.stage = stage;
    this.alarms = props.alarms;

    this.links = { APP_BASE_URL: mail.appUrl, API_BASE_URL: props.apiBaseUrl };

    // Created and owned here whether or not a name is configured: the configured name only names it.
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: mail.configurationSet ?? `centrum-${stage}`,
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [...mailEvents],
    });
    const configurationSetName = this.configurationSet.configurationSetName;

    // Sending only, only as the configured sender's domain, through the configuration set.
    this.email = {
      policy: new ManagedPolicy(this, 'SendEmailPolicy', {
        description: `Centrum ${stage}: send e-mail as ${mail.senderDomain} through SES`,
        statements: [
          new PolicyStatement({
            actions: ['ses:SendEmail'],
            resources: [
              stack.formatArn({ service: 'ses', resource: 'identity', resourceName: mail.senderDomain }),
              stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSetName }),
            ],
          }),
        ],
      }),
      environment: { MAIL_TRANSPORT: 'ses', MAIL_FROM: mail.from, MAIL_CONFIGURATION_SET: configurationSetName },
    };

    this.mailEventsKey = new Key(this, 'MailEventsKey', {
      alias: `alias/centrum/${stage}/mail-events`,
      description: `Centrum ${stage}: encrypts the queues EventBridge delivers SES events to`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    if (!props.sendsSms) return;
    this.sms = { policy: this.sendSmsPolicy(), environment: { SMS_TRANSPORT: 'sns' } };
    this.smsDeliveryStatusLogging(key, settings);
  }

  /**
   * The rule taking this stage's SES events (those of its configuration set) from the default bus
   * to a queue, with an alarm when EventBridge cannot deliver them. CDK's SqsQueue target writes the
   * queue policy and the key policy statements for events.amazonaws.com (this account only).
   */
  routeMailEventsTo(queue: IQueue): Rule {
    if (queue.encryptionMasterKey !== this.mailEventsKey)
      throw new Error(`${queue.node.path}: a queue EventBridge delivers to must be encrypted with the mail events key`);
    const rule = new Rule(this, 'MailEventsRule', {
      ruleName: `centrum-${this.stage}-mail-events`,
      description: `Centrum ${this.stage}: the SES events of its configuration set, to the queue ${queue.node.id}`,
      eventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [new SqsQueue(queue)],
    });
    new Alarm(this, 'MailEventsUndelivered', {
      alarmDescription:
        'SES events: EventBridge could not deliver some to their queue (read the rule, its key and queue policy)',
      metric: new Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(this.alarms));
    return rule;
  }

  /** sns:Publish to phone numbers only: SNS authorises those on `*`, so topics are denied explicitly. */
  private sendSmsPolicy(): ManagedPolicy {
    const policy = new ManagedPolicy(this, 'SendSmsPolicy', {
      description: `Centrum ${this.stage}: send SMS to phone numbers through SNS (no topic)`,
      statements: [
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['sns:Publish'],
          resources: [Stack.of(this).formatArn({ service: 'sns', region: '*', account: '*', resource: '*' })],
        }),
        new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'SNS authorises sns:Publish to a phone number on resource "*" only (a phone number has no ARN); ' +
        'publishing to any topic (arn:aws:sns:*:*:*) is denied in the same policy.',
    });
    return policy;
  }

  /**
   * SNS's SMS delivery-status logging (account-level, per region): the log groups SNS writes to, the
   * role it assumes to write them, and `SetSMSAttributes` naming that role (a custom resource).
   */
  private smsDeliveryStatusLogging(key: IKey, settings: CentrumConfig['settings']) {
    const stack = Stack.of(this);
    const logGroupArns: string[] = [];
    smsDeliveryStatusLogGroups.forEach((declared, index) => {
      const name = logGroupName(declared, stack);
      const group = new LogGroup(this, index === 0 ? 'SmsDeliveredLogs' : 'SmsFailedLogs', {
        logGroupName: name,
        retention: settings.logRetention,
        encryptionKey: key,
        removalPolicy: settings.logRemovalPolicy,
      });
      this.logGroups.set(declared, group);
      // The group itself, and (GetAtt Arn, ending in `:*`) its streams.
      logGroupArns.push(
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        group.logGroupArn,
      );
    });

    const deliveryStatusRole = new Role(this, 'SmsDeliveryStatusRole', {
      assumedBy: new ServicePrincipal('sns.amazonaws.com'),
      description: `SNS: writes the delivery status of the SMS Centrum ${this.stage} sends to CloudWatch Logs`,
    });
    const deliveryStatusPolicy = new ManagedPolicy(this, 'SmsDeliveryStatusPolicy', {
      description: `Centrum ${this.stage}: SNS writes SMS delivery status to its two log groups, nothing else`,
      roles: [deliveryStatusRole],
      statements: [
        new PolicyStatement({
          actions: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:PutMetricFilter',
            'logs:PutRetentionPolicy',
          ],
          resources: logGroupArns,
        }),
      ],
    });

    // The custom resource's function: its own role and encrypted log group (no AWS managed policy).
    const providerLogs = new LogGroup(this, 'SmsSettingsProviderLogs', {
      retention: settings.logRetention,
      encryptionKey: key,
      removalPolicy: settings.logRemovalPolicy,
    });
    const providerRole = new Role(this, 'SmsSettingsProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Centrum ${this.stage}: sets the account's SMS attributes at deploy (custom resource)`,
    });
    const providerPolicy = new ManagedPolicy(this, 'SmsSettingsProviderPolicy', {
      description: `Centrum ${this.stage}: set the account's SMS attributes, naming the delivery-status role`,
      roles: [providerRole],
      statements: [
        new PolicyStatement({ actions: ['sns:SetSMSAttributes'], resources: ['*'] }),
        new PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [deliveryStatusRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'sns.amazonaws.com' } },
        }),
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [providerLogs.logGroupArn],
        }),
      ],
    });
    Validations.of(providerPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'sns:SetSMSAttributes is an account-level action without resource-level permissions.',
    });

    const call: AwsSdkCall = {
      service: 'SNS',
      action: 'setSMSAttributes',
      parameters: {
        attributes: {
          DeliveryStatusIAMRole: deliveryStatusRole.roleArn,
          DeliveryStatusSuccessSamplingRate: '100',
          DefaultSMSType: 'Transactional',
        },
      },
      physicalResourceId: PhysicalResourceId.of('centrum-sms-attributes'),
    };
    const attributes = new AwsCustomResource(this, 'SmsAccountSettings', {
      resourceType: 'Custom::SmsAccountSettings',
      onCreate: call,
      onUpdate: call,
      role: providerRole,
      logGroup: providerLogs,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(1),
    });
    // SNS must find our log groups (not create its own) and be able to use the role when it first writes.
    attributes.node.addDependency(providerPolicy, deliveryStatusPolicy, ...this.logGroups.values());

    // The provider function is a stack-wide singleton, outside this construct.
    const provider = stack.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`) as
      Construct | undefined;
    if (!provider) throw new Error('The AwsCustomResource provider function was not found in the stack');
    const why = 'CloudFormation custom resource provider, run only at deploy to set the account SMS attributes';
    Validations.of(provider).acknowledge(
      {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: `${why}: a failure fails the deployment, there is no event to keep.`,
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: `${why}: one invocation per deployment.`,
      },
      {
        id: 'HIPAA.Security-LambdaInsideVPC',
        reason: `${why}: it only calls the regional SNS API.`,
      },
    );
  }
}
