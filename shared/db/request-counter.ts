import { AsyncLocalStorage } from 'node:async_hooks';
import type { InitializeHandler, InitializeHandlerArguments, MetadataBearer } from '@smithy/types';

/**
 * Counts DynamoDB requests by command name. Installed only when CENTRUM_COUNT_REQUESTS=1 (tests
 * and benchmarks), to check each operation and job against the budget declared beside it.
 */
const counts = new Map<string, number>();
/** Requests a function instance makes for itself, not for the call it serves (a cache refresh). */
const upkeepCounts = new Map<string, number>();
const upkeep = new AsyncLocalStorage<true>();

/**
 * Runs instance upkeep (e.g. refreshing the revocation list, at most twice a minute per instance):
 * its requests are counted apart, so a call's budget measures the call, and the bench reports
 * upkeep per instance and minute.
 */
export const runAsUpkeep = <T>(work: () => Promise<T>) => upkeep.run(true, work);

/** Requests that change the table when they succeed. */
const writeCommands = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
/** Write requests that succeeded since the last reset (a refused request must have none). */
const successfulWrites: string[] = [];

export const countRequestsMiddleware =
  <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: { commandName?: string }) =>
  async (args: InitializeHandlerArguments<object>) => {
    const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const into = upkeep.getStore() ? upkeepCounts : counts;
    into.set(name, (into.get(name) ?? 0) + 1);
    const output = await next(args);
    if (writeCommands.has(name) && !upkeep.getStore()) successfulWrites.push(name);
    return output;
  };

/** Starts counting one call's requests (upkeep keeps its own count: resetUpkeepCounts). */
export function resetRequestCounts() {
  counts.clear();
  successfulWrites.length = 0;
}

/** The write requests that succeeded since the last reset, in order (e.g. `['TransactWriteItems']`). */
export function successfulWriteRequests(): string[] {
  return [...successfulWrites];
}

export function resetUpkeepCounts() {
  upkeepCounts.clear();
}

export function requestCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

export function upkeepRequestCounts(): Record<string, number> {
  return Object.fromEntries(upkeepCounts);
}
