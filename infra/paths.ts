import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where package.json and package-lock.json live), independent of the cwd. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export const lockFile = join(projectRoot, 'package-lock.json');

/** The handler module of a function: `functions/<name>/handler.ts`, exporting `handler`. */
export function handlerEntry(functionName: string): string {
  const entry = join(projectRoot, 'functions', functionName, 'handler.ts');
  if (!existsSync(entry)) {
    throw new Error(`Function "${functionName}" is in the route table but ${entry} does not exist.`);
  }
  return entry;
}
