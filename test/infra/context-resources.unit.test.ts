import { App, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { reminders } from '#functions/reminders/context';
import type { ContextDefinition } from '#shared/context/definition';
import { stageSettings } from '../../infra/config';
import { ContextResources, type ContextResourcesProps } from '../../infra/constructs/context-resources';
import { logGroupName } from '../../infra/constructs/messaging';
import { queuesNothingFeeds } from '../../infra/stacks/api-stack';

/**
 * What the stack refuses to build from a declaration it cannot wire. No bundling (the functions'
 * code is not what is checked here), so each case takes milliseconds.
 */
const contextResources = (
  context: ContextDefinition,
  change: (policy: (id: string) => ManagedPolicy) => Partial<ContextResourcesProps> = () => ({}),
) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'eu-west-3' } });
  const policy = (id: string) =>
    new ManagedPolicy(stack, id, {
      statements: [new PolicyStatement({ actions: ['sts:GetCallerIdentity'], resources: ['*'] })],
    });
  return () =>
    new ContextResources(stack, 'Context', {
      context,
      stage: 'dev',
      settings: stageSettings.dev,
      key: new Key(stack, 'Key'),
      environment: {},
      dataAccess: { table: policy('Table'), documents: policy('Documents'), jwtSecret: policy('Jwt') },
      messaging: {
        links: {},
        email: { policy: policy('Email'), environment: {} },
        sms: { policy: policy('Sms'), environment: {} },
      },
      logGroups: new Map(),
      alarms: new Topic(stack, 'Alarms'),
      ...change(policy),
    });
};

describe('context resources: declarations the stack cannot wire', () => {
  it('refuses a log subscription to a log group no resource of the stack creates', () => {
    // Act + Assess
    expect(contextResources(reminders)).toThrow(
      /reminders: log subscription sms-delivery-status reads sns\/\{region\}\/\{account\}\/DirectPublishToPhoneNumber, which no resource of the stack creates/,
    );
  });

  it('refuses a function that sends SMS when the stack made no SMS channel', () => {
    // Act + Assess
    expect(
      contextResources(reminders, (policy) => ({
        messaging: { links: {}, email: { policy: policy('OtherEmail'), environment: {} }, sms: undefined },
      })),
    ).toThrow(/centrum-reminders-jobs sends SMS, but the stack made no SMS channel/);
  });

  it('refuses a queue no schedule produces and no AWS service of the stack feeds', () => {
    // Prepare
    const queues = [
      { context: 'reminders', queue: { name: 'message-events', producers: [] } },
      { context: 'centres', queue: { name: 'invitation-expired', producers: ['invitation-expiry'] } },
      { context: 'other', queue: { name: 'orphan', producers: [] } },
    ];
    // Act + Assess
    expect(queuesNothingFeeds(queues, new Set(['message-events']))).toEqual([
      'other: queue orphan has no producer, and nothing in the stack feeds it',
    ]);
    expect(queuesNothingFeeds(queues, new Set())).toHaveLength(2);
  });

  it('names a declared log group after the stack region and account', () => {
    // Prepare
    const stack = new Stack(new App(), 'Named', { env: { region: 'eu-west-3', account: '123456789012' } });
    // Act + Assess
    expect(logGroupName('sns/{region}/{account}/DirectPublishToPhoneNumber/Failure', stack)).toBe(
      'sns/eu-west-3/123456789012/DirectPublishToPhoneNumber/Failure',
    );
  });
});
