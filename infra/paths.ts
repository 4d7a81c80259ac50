import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where package.json and package-lock.json live), independent of the cwd. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export const lockFile = join(projectRoot, 'package-lock.json');

/** The entry module of a function (`functions/<context>/handler.ts` or `jobs.ts`), absolute; it must exist. */
export function entryPath(entry: string): string {
  const path = join(projectRoot, entry);
  if (!existsSync(path)) throw new Error(`A context declares a function whose entry ${entry} does not exist.`);
  return path;
}

/** Where a context's functions live, by convention: its API and its background work. */
export const contextEntries = (context: string) => ({
  api: `functions/${context}/handler.ts`,
  jobs: `functions/${context}/jobs.ts`,
});
