import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * Shared build for every package: run from a package directory as
 * `tsup --config ../../tsup.config.ts`. ESM + CJS + declarations. One entry
 * (`src/index.ts`) unless the package.json has `"tsup": {"entry": {name: path}}`:
 * then every entry is built with code splitting, so that modules shared by
 * several entries exist once (one class identity for `instanceof`, one module state).
 */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { tsup?: { entry?: Record<string, string> } };
const entries = pkg.tsup?.entry;

export default defineConfig({
  entry: entries ?? ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: entries !== undefined,
  treeshake: true,
  tsconfig: 'tsconfig.json',
});
