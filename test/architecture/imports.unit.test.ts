import { resolve } from 'node:path';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '#functions/contexts';
import { contextDependencies } from '../../eslint.config.js';

/**
 * The import rules hold by themselves (docs/ARCHITECTURE.md, "Contexts and imports"). ESLint refuses
 * a forbidden import where it is written; this test reads the whole import graph (madge, with the
 * project's TypeScript resolution) and checks what a per-file rule cannot: no cycles anywhere, and
 * between contexts no edge but the declared ones, which form no cycle.
 */
type Graph = Record<string, string[]>;
const root = resolve(import.meta.dirname, '../..');
let graph: Graph;
let circular: string[][];

beforeAll(async () => {
  const result = await madge(['functions', 'shared'], {
    baseDir: root,
    fileExtensions: ['ts'],
    tsConfig: resolve(root, 'tsconfig.json'),
  });
  graph = result.obj();
  circular = result.circular();
}, 60_000);

const contextOf = (file: string) => /^functions\/([^/]+)\//.exec(file)?.[1];
const isCompositionRoot = (file: string) => /^functions\/[^/]+\/(handler|jobs)\.ts$/.test(file);

describe('imports', () => {
  it('reads the whole code base (every context and the generic parts)', () => {
    const files = Object.keys(graph);
    for (const context of api.contexts) expect(files, context.name).toContain(`functions/${context.name}/routes.ts`);
    expect(files).toContain('shared/http/pipeline.ts');
  });

  it('has no import cycle', () => {
    expect(circular).toEqual([]);
  });

  it('keeps the generic parts (shared/) free of every context', () => {
    const offending = Object.entries(graph).flatMap(([file, deps]) =>
      file.startsWith('shared/') ? deps.filter((d) => d.startsWith('functions/')).map((d) => `${file} → ${d}`) : [],
    );
    expect(offending).toEqual([]);
  });

  it('declares a dependency map for exactly the contexts listed at the edge, and it is acyclic', () => {
    const declared: Record<string, readonly string[]> = contextDependencies;
    expect(Object.keys(declared).sort()).toEqual(api.contexts.map((c) => c.name).sort());
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`context cycle: ${[...path, name].join(' → ')}`);
      visiting.add(name);
      for (const next of declared[name] ?? []) visit(next, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(declared)) expect(() => visit(name, [])).not.toThrow();
  });

  it('reaches another context only through its public entry, along a declared edge (function entries excepted: they wire ports)', () => {
    const declared: Record<string, readonly string[]> = contextDependencies;
    const offending = Object.entries(graph).flatMap(([file, deps]) => {
      const from = contextOf(file);
      if (!from || isCompositionRoot(file)) return [];
      return deps
        .filter((dep) => {
          const to = contextOf(dep);
          if (!to || to === from) return false;
          return dep !== `functions/${to}/index.ts` || !declared[from]?.includes(to);
        })
        .map((dep) => `${file} → ${dep}`);
    });
    expect(offending).toEqual([]);
  });
});
