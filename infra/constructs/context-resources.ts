import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { FilterPattern, type ILogGroup, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ContextDefinition, DataAccess, FunctionSettings } from '#shared/context/definition';
import type { StageSettings } from '../config';
import { contextEntries } from '../paths';
import { CentrumFunction, type CentrumFunctionProps } from './centrum-function';
import type { Channel } from './messaging';

export interface ContextResourcesProps {
  context: ContextDefinition;
  stage: string;
  settings: StageSettings;
  /** Encrypts log groups and queues. */
  key: IKey;
  /**
   * Queues encrypted with another key than `key`, by queue name: those an AWS service delivers to
   * (EventBridge), which must be allowed to use their key.
   */
  queueKeys?: ReadonlyMap<string, IKey>;
  /** TABLE_NAME, BUCKET_NAME, JWT_SECRET_ARN: every function gets them. */
  environment: Record<string, string>;
  dataAccess: Record<DataAccess, IManagedPolicy>;
  messaging: {
    /** APP_BASE_URL, API_BASE_URL: every function that sends e-mail or SMS (links in messages). */
    links: Record<string, string>;
    email: Channel;
    /** Undefined when no context sends SMS. */
    sms: Channel | undefined;
  };
  /**
   * Log groups created in the stack, by their declared name (`{region}`, `{account}`): a context's
   * log subscriptions read them. A declared group the stack does not create is refused.
   */
  logGroups: ReadonlyMap<string, ILogGroup>;
  /** Where alarms (dead letters, queues falling behind) are sent. */
  alarms: ITopic;
}

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());

/**
 * Everything one bounded context needs in the cloud, from its declaration (functions/<name>/context.ts):
 * its API function (routes are attached by the stack), and for its background work a second
 * function with its schedules (EventBridge Scheduler: time zone, retry policy, dead-letter queue)
 * and its queue workers (SQS queue + dead-letter queue + alarms, partial batch responses). Grants
 * come from the declaration: data access, e-mail, SMS, sending to its own queues. Its log
 * subscriptions (log groups another service writes) invoke the same background function.
 */
export class ContextResources extends Construct {
  readonly api: CentrumFunction | undefined;
  readonly jobs: CentrumFunction | undefined;
  readonly queues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: ContextResourcesProps) {
    super(scope, id);
    const { context } = props;
    const entries = contextEntries(context.name);
    if (context.api) this.api = this.function('Api', context.name, entries.api, context.api, props);
    const jobs = context.jobs;
    if (!jobs) return;

    // A scheduled event the function failed on (after Lambda's retries), or whose input was invalid.
    const jobsDeadLetters = this.queue('JobsDeadLetters', `${context.name}-jobs-dead-letters`, props, {
      retentionPeriod: Duration.days(14),
    });
    this.alarmOnDeadLetters(jobsDeadLetters, `${context.name} jobs`, props.alarms);

    const queueUrls: Record<string, { url: string; deadLetterUrl: string }> = {};
    const queueResources = jobs.queues.map((spec) => {
      const deadLetters = this.queue(`${pascal(spec.name)}DeadLetters`, `${spec.name}-dead-letters`, props, {
        retentionPeriod: Duration.days(14),
      });
      const queue = this.queue(pascal(spec.name), spec.name, props, {
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: spec.maxReceiveCount },
      });
      this.queues.set(spec.name, queue);
      queueUrls[spec.name] = { url: queue.queueUrl, deadLetterUrl: deadLetters.queueUrl };
      this.alarmOnDeadLetters(deadLetters, spec.name, props.alarms);
      const minute = { period: Duration.minutes(1) };
      this.alarm(`${pascal(spec.name)}Behind`, props.alarms, {
        description: `${spec.name}: the oldest message waits more than ${spec.maxMessageAgeSeconds} s (the worker is not keeping up)`,
        metric: queue.metricApproximateAgeOfOldestMessage(minute),
        above: spec.maxMessageAgeSeconds,
        minutes: 5,
      });
      this.alarm(`${pascal(spec.name)}Deep`, props.alarms, {
        description: `${spec.name}: more than ${spec.maxDepth} messages wait (a flood, or the worker stopped)`,
        metric: queue.metricApproximateNumberOfMessagesVisible(minute),
        above: spec.maxDepth,
        minutes: 5,
      });
      return { spec, queue, deadLetters };
    });

    const fn = this.function('Jobs', `${context.name}-jobs`, entries.jobs, jobs, props, {
      asyncFailures: { deadLetterQueue: jobsDeadLetters, retryAttempts: 2 },
      environment: {
        CENTRUM_QUEUES: JSON.stringify(queueUrls),
        JOBS_DEAD_LETTER_URL: jobsDeadLetters.queueUrl,
      },
    });
    this.jobs = fn;
    jobsDeadLetters.grantSendMessages(fn);
    Validations.of(fn.executionRole).acknowledge(
      ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `SQS encrypts the messages this function sends with the Centrum CMK on its behalf; ${action} comes from queue.grantSendMessages and is limited to that key.`,
      })),
    );

    for (const subscription of jobs.logSubscriptions ?? []) {
      subscription.logGroups.forEach((declared, index) => {
        const logGroup = props.logGroups.get(declared);
        if (!logGroup)
          throw new Error(
            `${context.name}: log subscription ${subscription.name} reads ${declared}, which no resource of the ` +
              'stack creates (infra/constructs/messaging.ts): nothing would write there, and the subscription ' +
              'could not be created before the group exists.',
          );
        // LambdaDestination also allows logs.amazonaws.com to invoke the function, for that group only.
        new SubscriptionFilter(this, `${pascal(subscription.name)}Subscription${index + 1}`, {
          logGroup,
          destination: new LambdaDestination(fn),
          filterPattern: FilterPattern.literal(subscription.filterPattern),
          filterName: `centrum-${props.stage}-${subscription.name}`,
        });
      });
    }

    for (const { spec, queue, deadLetters } of queueResources) {
      fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: spec.batchSize,
          maxBatchingWindow: Duration.seconds(spec.maxBatchingWindowSeconds),
          reportBatchItemFailures: true,
        }),
      );
      if (spec.producers.length > 0) queue.grantSendMessages(fn);
      // Invalid messages are dead-lettered by the worker at once, not retried.
      deadLetters.grantSendMessages(fn);
    }

    // The role EventBridge Scheduler assumes to start this function's runs (CDK adds what it may do).
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge Scheduler: starts the scheduled runs of centrum-${context.name}-jobs (${props.stage})`,
    });
    const why =
      "EventBridge Scheduler's role for this context's schedules (CDK writes its policy): it invokes the jobs " +
      'function (any version of it, hence `:*`) and sends undeliverable events to its dead-letter queue (KMS-encrypted with the Centrum CMK), nothing else.';
    // Undeliverable events go to the (KMS-encrypted) dead-letter queue: the role must encrypt for it.
    jobsDeadLetters.grantSendMessages(schedulerRole);
    const fnLogicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement);
    Validations.of(schedulerRole).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`, reason: why },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: why },
      ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: why,
      })),
    );
    for (const schedule of jobs.schedules) {
      const target = new LambdaInvoke(fn, {
        role: schedulerRole,
        input: ScheduleTargetInput.fromObject({
          source: 'centrum.schedule',
          schedule: schedule.name,
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
          payload: schedule.input,
        }),
        retryAttempts: schedule.retry.maxAttempts,
        maxEventAge: Duration.seconds(schedule.retry.maxEventAgeSeconds),
        deadLetterQueue: jobsDeadLetters,
      });
      new Schedule(this, `${pascal(schedule.name)}Schedule`, {
        scheduleName: `centrum-${props.stage}-${schedule.name}`,
        description: schedule.description,
        schedule: ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timeZone)),
        target,
      });
    }
  }

  private function(
    id: string,
    name: string,
    entry: string,
    settings: FunctionSettings,
    props: ContextResourcesProps,
    extra: { environment?: Record<string, string>; asyncFailures?: CentrumFunctionProps['asyncFailures'] } = {},
  ) {
    const sms = (fn: string) => {
      if (!props.messaging.sms) throw new Error(`centrum-${fn} sends SMS, but the stack made no SMS channel`);
      return props.messaging.sms;
    };
    const fn = new CentrumFunction(this, `${id}Function`, {
      functionName: name,
      entry,
      stage: props.stage,
      memorySize: settings.memoryMb,
      timeout: Duration.seconds(settings.timeoutSeconds),
      logLevel: props.settings.logLevel,
      logRetention: props.settings.logRetention,
      logRemovalPolicy: props.settings.logRemovalPolicy,
      logEncryptionKey: props.key,
      environment: {
        ...props.environment,
        ...(settings.sendsEmail || settings.sendsSms ? props.messaging.links : {}),
        ...(settings.sendsEmail ? props.messaging.email.environment : {}),
        ...(settings.sendsSms ? sms(name).environment : {}),
        ...extra.environment,
      },
      ...(extra.asyncFailures ? { asyncFailures: extra.asyncFailures } : {}),
    });
    for (const kind of settings.access) fn.executionRole.addManagedPolicy(props.dataAccess[kind]);
    if (settings.sendsEmail) fn.executionRole.addManagedPolicy(props.messaging.email.policy);
    if (settings.sendsSms) fn.executionRole.addManagedPolicy(sms(name).policy);
    return fn;
  }

  private queue(
    id: string,
    name: string,
    props: ContextResourcesProps,
    options: Omit<ConstructorParameters<typeof Queue>[2] & object, 'queueName'>,
  ) {
    return new Queue(this, id, {
      queueName: `centrum-${props.stage}-${name}`,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.queueKeys?.get(name) ?? props.key,
      dataKeyReuse: Duration.minutes(15),
      enforceSSL: true,
      ...options,
    });
  }

  private alarmOnDeadLetters(queue: Queue, what: string, topic: ITopic) {
    this.alarm(`${queue.node.id}Alarm`, topic, {
      description: `${what}: a message or scheduled event was dead-lettered; read it, fix the cause, redrive it`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      above: 0,
      minutes: 1,
    });
  }

  /** An alarm when a metric stays above a threshold for some minutes, sent to the alarm topic. */
  private alarm(
    id: string,
    topic: ITopic,
    a: { description: string; metric: IMetric; above: number; minutes: number },
  ) {
    new Alarm(this, id, {
      alarmDescription: a.description,
      metric: a.metric,
      threshold: a.above,
      evaluationPeriods: a.minutes,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(topic));
  }
}
