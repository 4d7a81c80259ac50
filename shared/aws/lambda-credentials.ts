import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Bundling alias for `@aws-sdk/credential-provider-node` in the Lambda bundles (see
 * docs/decisions/0007-bundle-size.md): Lambda always hands the function its role's credentials in
 * environment variables, so the default chain (SSO, INI files, IMDS, STS web identity, …) is dead
 * weight there. Local runs and tests do not use this alias.
 */
export const defaultProvider = () => fromEnv();
