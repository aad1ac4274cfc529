import { defineConfig } from 'tsup';

/**
 * Shared build for every package: run from a package directory as
 * `tsup --config ../../tsup.config.ts`. ESM + CJS + declarations, one entry.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
  tsconfig: 'tsconfig.json',
});
