import { api } from '#functions/contexts';
import type { ContextDefinition } from '#shared/context/definition';
import { contextEntries } from '../infra/paths';

const contexts: readonly ContextDefinition[] = api.contexts;

/** Every function CDK deploys: each context's API function, and its jobs function when it has background work. */
export const deployedFunctions = contexts.flatMap((c) => [
  ...(c.api ? [{ name: c.name, entry: contextEntries(c.name).api }] : []),
  ...(c.jobs ? [{ name: `${c.name}-jobs`, entry: contextEntries(c.name).jobs }] : []),
]);
export const functionNames = deployedFunctions.map((f) => f.name);
