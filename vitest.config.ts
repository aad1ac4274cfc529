import { defineConfig } from 'vitest/config';

const conditions = ['@imagebuild/source', 'node', 'import', 'default'];
// Vitest also hands ssr.resolve.conditions to the worker's Node as --conditions: with 'import' there, a
// CommonJS package's require() would load its dependencies' ESM builds (pg requiring pg-pool's .mjs
// breaks). Vite adds import/require itself by importer, so the SSR list leaves 'import' out.
const ssrConditions = conditions.filter((c) => c !== 'import');

/**
 * One configuration for every package and test/. Tests run on the TypeScript
 * sources through the `@imagebuild/source` export condition: no build step.
 * `unit`: no engines needed. `integration` (`*.int.test.ts`): needs the harness
 * (`npm run engines:up`), which `npm test` starts itself.
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ['@imagebuild/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          globalSetup: ['packages/testkit/src/global-setup.ts'],
        },
      },
    ],
  },
});
