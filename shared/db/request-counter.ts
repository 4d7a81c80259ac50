import type { InitializeHandler, InitializeHandlerArguments, MetadataBearer } from '@smithy/types';

/**
 * Counts DynamoDB requests by command name. Installed only when CENTRUM_COUNT_REQUESTS=1 (tests
 * and benchmarks), to check each operation and job against the budget declared beside it.
 */
const counts = new Map<string, number>();

export const countRequestsMiddleware =
  <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: { commandName?: string }) =>
  async (args: InitializeHandlerArguments<object>) => {
    const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return next(args);
  };

export function resetRequestCounts() {
  counts.clear();
}

export function requestCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
