import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parseOrigins } from '#shared/http/cors';

/**
 * Deployment configuration of Centrum: which stage, which region, and every setting that differs
 * between stages. Nothing here is read from an AWS account, so `cdk synth` works offline.
 *
 * Sources, first match wins:
 * - stage:   `-c stage=prod`           | CENTRUM_STAGE   | context `centrum:defaultStage` (cdk.json) | `dev`
 * - region:  `-c region=eu-central-1`  | CENTRUM_REGION  | context `centrum:defaultRegion` (cdk.json) | `eu-west-3`
 * - account: `-c account=123456789012` | CENTRUM_ACCOUNT | CDK_DEFAULT_ACCOUNT (set by the CDK CLI
 *   from the current credentials) | unresolved (account-agnostic template)
 *
 * CDK_DEFAULT_REGION is deliberately NOT used: a developer profile pointing at us-east-1 must not
 * silently move health data out of the EEA.
 */

export const stages = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof stages)[number];

/**
 * AWS commercial regions located in the European Economic Area. Health data must stay in the EEA:
 * London (eu-west-2) and Zurich (eu-central-2) are in Europe but not in the EEA, so they are refused.
 */
export const eeaRegions = [
  'eu-west-1', // Ireland
  'eu-west-3', // Paris
  'eu-central-1', // Frankfurt
  'eu-north-1', // Stockholm
  'eu-south-1', // Milan
  'eu-south-2', // Spain
] as const;
export type EeaRegion = (typeof eeaRegions)[number];

export const defaultStage: Stage = 'dev';
export const defaultRegion: EeaRegion = 'eu-west-3';

export interface StageSettings {
  /** DynamoDB deletion protection (CloudFormation cannot delete the table while it is on). */
  deletionProtection: boolean;
  /** CloudFormation termination protection of the stateful stack. */
  terminationProtection: boolean;
  /** Retention of Lambda and API access log groups. */
  logRetention: RetentionDays;
  /** What happens to log groups when the API stack is deleted (data resources are always retained). */
  logRemovalPolicy: RemovalPolicy;
  /** Days after which S3 server access logs expire. */
  accessLogExpirationDays: number;
  /** LOG_LEVEL of the functions (Powertools logger). */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Default throttling of the HTTP API stage (requests per second / burst). */
  throttle: { rateLimit: number; burstLimit: number };
  /** Browser origins allowed by CORS (overridden by `-c allowedOrigins=…` or CENTRUM_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
}

export const stageSettings: Record<Stage, StageSettings> = {
  dev: {
    deletionProtection: false,
    terminationProtection: false,
    logRetention: RetentionDays.ONE_WEEK,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    accessLogExpirationDays: 30,
    logLevel: 'DEBUG',
    throttle: { rateLimit: 20, burstLimit: 40 },
    allowedOrigins: ['http://localhost:5173'],
  },
  staging: {
    deletionProtection: true,
    terminationProtection: true,
    logRetention: RetentionDays.ONE_MONTH,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    accessLogExpirationDays: 90,
    logLevel: 'INFO',
    throttle: { rateLimit: 50, burstLimit: 100 },
    allowedOrigins: [],
  },
  prod: {
    deletionProtection: true,
    terminationProtection: true,
    logRetention: RetentionDays.ONE_YEAR,
    logRemovalPolicy: RemovalPolicy.RETAIN,
    accessLogExpirationDays: 400,
    logLevel: 'INFO',
    throttle: { rateLimit: 200, burstLimit: 400 },
    allowedOrigins: [],
  },
};

export interface CentrumConfig {
  stage: Stage;
  region: EeaRegion;
  /** Undefined: the templates are account-agnostic and the CLI's credentials decide. */
  account: string | undefined;
  settings: StageSettings;
  /**
   * Outgoing e-mail (invitations, reminders): the SES-verified sender, the name of the configuration set
   * (undefined: `centrum-<stage>`), and the front end the links open.
   */
  mail: { from: string; senderDomain: string; configurationSet: string | undefined; appUrl: string };
}

export interface ConfigSources {
  /** CDK context lookup, e.g. `(key) => app.node.tryGetContext(key)`. */
  context: (key: string) => unknown;
  env: Record<string, string | undefined>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const pick = (sources: ConfigSources, contextKey: string, ...envKeys: string[]): string | undefined => {
  const fromContext = sources.context(contextKey);
  if (fromContext !== undefined && fromContext !== null && fromContext !== '') return String(fromContext);
  for (const key of envKeys) {
    const value = sources.env[key];
    if (value) return value;
  }
  return undefined;
};

const isStage = (value: string): value is Stage => (stages as readonly string[]).includes(value);
const isEeaRegion = (value: string): value is EeaRegion => (eeaRegions as readonly string[]).includes(value);

export function resolveConfig(sources: ConfigSources): CentrumConfig {
  const stage = pick(sources, 'stage', 'CENTRUM_STAGE') ?? pick(sources, 'centrum:defaultStage') ?? defaultStage;
  if (!isStage(stage)) {
    throw new ConfigError(`Unknown stage "${stage}". Use one of: ${stages.join(', ')} (-c stage=… or CENTRUM_STAGE).`);
  }

  const region = pick(sources, 'region', 'CENTRUM_REGION') ?? pick(sources, 'centrum:defaultRegion') ?? defaultRegion;
  if (!isEeaRegion(region)) {
    throw new ConfigError(
      `Region "${region}" is outside the European Economic Area. Centrum stores health data and may only be ` +
        `deployed to an EEA region: ${eeaRegions.join(', ')} (-c region=… or CENTRUM_REGION).`,
    );
  }

  const account = pick(sources, 'account', 'CENTRUM_ACCOUNT', 'CDK_DEFAULT_ACCOUNT');
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new ConfigError(`Account "${account}" is not a 12-digit AWS account id.`);
  }

  const origins = pick(sources, 'allowedOrigins', 'CENTRUM_ALLOWED_ORIGINS');
  let allowedOrigins = stageSettings[stage].allowedOrigins;
  try {
    if (origins !== undefined) allowedOrigins = parseOrigins(origins);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (-c allowedOrigins=… or CENTRUM_ALLOWED_ORIGINS).`);
  }

  return {
    stage,
    region,
    account,
    settings: { ...stageSettings[stage], allowedOrigins },
    mail: mailConfig(sources, stage),
  };
}

/**
 * - sender:  `-c mailFrom="Centrum <no-reply@mail.example.be>"` | CENTRUM_MAIL_FROM; its domain must
 *   be a verified SES identity in the region. The default cannot send: deployments set their own.
 * - links:   `-c appUrl=https://app.example.be` | CENTRUM_APP_URL (https; http for localhost).
 * - events:  `-c mailConfigurationSet=…` | CENTRUM_MAIL_CONFIGURATION_SET: the name of the SES configuration
 *   set the API stack creates and sends every e-mail through (default `centrum-<stage>`; infra/constructs/messaging.ts).
 */
function mailConfig(sources: ConfigSources, stage: Stage): CentrumConfig['mail'] {
  const from = pick(sources, 'mailFrom', 'CENTRUM_MAIL_FROM') ?? 'Centrum <no-reply@centrum.invalid>';
  const senderDomain = /@([a-z0-9.-]+\.[a-z]{2,})>?$/i.exec(from.trim())?.[1]?.toLowerCase();
  if (!senderDomain)
    throw new ConfigError(`Sender "${from}" is not an e-mail address (-c mailFrom=… or CENTRUM_MAIL_FROM).`);
  const appUrl = (
    pick(sources, 'appUrl', 'CENTRUM_APP_URL') ??
    (stage === 'dev' ? 'http://localhost:5173' : 'https://app.centrum.invalid')
  ).replace(/\/+$/, '');
  try {
    parseOrigins(appUrl);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (-c appUrl=… or CENTRUM_APP_URL).`);
  }
  return {
    from,
    senderDomain,
    configurationSet: pick(sources, 'mailConfigurationSet', 'CENTRUM_MAIL_CONFIGURATION_SET'),
    appUrl,
  };
}
