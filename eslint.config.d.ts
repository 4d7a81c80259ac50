/** Types of what eslint.config.js exports for the architecture test (test/architecture/imports.unit.test.ts). */
export declare const contextDependencies: Record<string, readonly string[]>;
declare const config: unknown[];
export default config;
