import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack } from 'cdk-nag';

/**
 * cdk-nag v3 runs as CDK validation plugins (not Aspects, as in v2): after synthesis, each pack walks
 * the construct tree and reports every finding not acknowledged with `Validations.of(construct)
 * .acknowledge({ id, reason })` on the resource or one of its parents. Any remaining finding fails
 * `cdk synth` (and `cdk deploy`). Acknowledgements live next to the resource they concern.
 *
 * Used by infra/app.ts and by test/infra/cdk-nag.test.ts, so both check exactly the same packs.
 */
export function applyNagPacks(app: App): NagPack[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(app), new HIPAASecurityChecks(app)];
  Validations.of(app).addPlugins(...packs);
  return packs;
}
