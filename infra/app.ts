/**
 * CDK entry point (`"app"` in cdk.json). Offline: no context lookups, explicit region.
 *   npx cdk synth -c stage=dev
 *   npx cdk deploy --all -c stage=prod [-c region=eu-central-1]
 */
import { createCentrumApp } from './centrum-app';
import { ConfigError } from './config';
import { applyNagPacks } from './nag';

try {
  const { app } = createCentrumApp();
  applyNagPacks(app);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Centrum: ${error.message}`);
  process.exitCode = 1;
}
