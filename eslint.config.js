import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which contexts each context's code may use, through their public entry (`#contexts/<name>`, i.e.
 * `functions/<name>/index.ts`). Acyclic by rule (test/architecture/imports.unit.test.ts checks it, and
 * that the code uses no other edge). A function's entry (`handler.ts`, `jobs.ts`) is its
 * composition root: it may wire any context's public entry into a port (docs/ARCHITECTURE.md).
 */
export const contextDependencies = {
  platform: [],
  identity: [],
  centres: ['identity'],
  patients: ['centres'],
  agenda: ['centres', 'patients'],
  reminders: ['identity', 'centres', 'patients', 'agenda'],
};

const compositionRoots = ['handler.ts', 'jobs.ts'];
const contextNames = Object.keys(contextDependencies);

const insidesMessage = "A context reaches another only through its public entry: import from '#contexts/<name>'.";
// Patterns are regular expressions: in the gitignore-style `group` syntax a leading # is a comment.
const anotherContextsInsides = { regex: '^(#functions/|\\.\\./)', message: insidesMessage };
/** The platform function's entry builds the OpenAPI document from the edge. */
const rootImports = { regex: '^(#functions/(?!contexts$)|\\.\\./)', message: insidesMessage };

/** Import boundaries, one block per context, then the generic parts. */
const boundaries = [
  ...contextNames.map((name) => ({
    files: [`functions/${name}/**/*.ts`],
    ignores: compositionRoots.map((root) => `functions/${name}/${root}`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            anotherContextsInsides,
            {
              // Its own public entry too: a context's modules import each other directly.
              regex: `^#contexts/(${contextNames.filter((other) => !contextDependencies[name].includes(other)).join('|')})$`,
              message: `${name} may use only ${contextDependencies[name].join(', ') || 'no other context'} (contextDependencies in eslint.config.js); reverse a dependency with a port wired in the function's entry.`,
            },
          ],
        },
      ],
    },
  })),
  {
    files: compositionRoots.map((root) => `functions/*/${root}`),
    rules: { 'no-restricted-imports': ['error', { patterns: [rootImports] }] },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(#functions/|#contexts/|(\\.\\./)+functions/)',
              message: 'Generic parts know no context: pass what they need in (a port, a key, an origin).',
            },
          ],
        },
      ],
    },
  },
  {
    // The request, job and storage machinery knows no principal and no audit: the function's
    // authenticators produce the principal, services record the audit.
    files: ['shared/http/**/*.ts', 'shared/jobs/**/*.ts', 'shared/db/**/*.ts', 'shared/context/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(#functions/|#contexts/|(\\.\\./)+functions/|#shared/access/|#shared/audit/)',
              message: 'shared/http, jobs, db and context know no principal, no audit and no context.',
            },
          ],
        },
      ],
    },
  },
];

/** Linting for every TypeScript file; formatting is Prettier's (`npm run format`). */
export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      '.data/',
      '.bench/',
      'coverage/',
      'client/schema.d.ts',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  ...boundaries,
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      // Every test runs in CI: no focused or skipped tests.
      'no-restricted-properties': [
        'error',
        ...['it', 'test', 'describe'].flatMap((object) =>
          ['only', 'skip', 'todo', 'skipIf', 'runIf'].map((property) => ({
            object,
            property,
            message: 'every test must run',
          })),
        ),
      ],
    },
  },
);
