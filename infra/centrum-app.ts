import { App, type AppProps, Tags } from 'aws-cdk-lib';
import { type CentrumConfig, resolveConfig } from './config';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';

export interface CentrumApp {
  app: App;
  config: CentrumConfig;
  data: DataStack;
  api: ApiStack;
}

export interface CreateCentrumAppOptions extends AppProps {
  /** Environment variables to read the configuration from (default: process.env). */
  env?: Record<string, string | undefined>;
}

/**
 * Builds the whole Centrum app: `Centrum-<stage>-Data` (stateful) and `Centrum-<stage>-Api`
 * (stateless), both pinned to an explicit EEA region. Throws a ConfigError for an unknown stage or a
 * region outside the EEA before any construct is created.
 */
export function createCentrumApp(options: CreateCentrumAppOptions = {}): CentrumApp {
  const { env = process.env, ...appProps } = options;
  const app = new App(appProps);
  const config = resolveConfig({ context: (key) => app.node.tryGetContext(key), env });
  const stackEnv = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const prefix = `Centrum-${config.stage}`;

  const data = new DataStack(app, `${prefix}-Data`, {
    env: stackEnv,
    config,
    description: `Centrum ${config.stage}: stateful resources (table, documents, keys), all retained`,
    terminationProtection: config.settings.terminationProtection,
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env: stackEnv,
    config,
    description: `Centrum ${config.stage}: HTTP API and functions (stateless)`,
    table: data.table,
    documentsBucket: data.documentsBucket,
    jwtSecret: data.jwtSecret,
    key: data.key,
    dataAccess: data.access,
  });

  Tags.of(app).add('project', 'centrum');
  Tags.of(app).add('stage', config.stage);
  return { app, config, data, api };
}
