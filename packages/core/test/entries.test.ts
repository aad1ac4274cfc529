// The subpath entries (`errors`, `operation`, `resources`, …) must share modules with the main
// entry in the built package (ESM and CJS): one class identity for `instanceof`
// and one secret registry for redaction. Builds core into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkgDir = new URL('..', import.meta.url).pathname;
// Inside the package, so that the CJS build resolves core's dependencies.
const out = mkdtempSync(join(pkgDir, '.entries-test-'));

type Core = typeof import('../src/index.js');
type Errors = typeof import('../src/errors/index.js');
type Ops = typeof import('../src/operation/index.js');
type Resources = typeof import('../src/resources/index.js');

describe('core subpath entries (built)', () => {
  beforeAll(() => {
    execFileSync(
      join(pkgDir, '../../node_modules/.bin/tsup'),
      ['--config', '../../tsup.config.ts', '--out-dir', out, '--no-dts', '--silent'],
      { cwd: pkgDir, stdio: 'pipe' },
    );
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  for (const format of ['esm', 'cjs'] as const) {
    it(`${format}: errors and operation entries share class identity and module state with the main entry`, async () => {
      const load = async <T>(name: string): Promise<T> =>
        format === 'esm'
          ? ((await import(join(out, `${name}.js`))) as T)
          : (createRequire(import.meta.url)(join(out, `${name}.cjs`)) as T);
      const main = await load<Core>('index');
      const errors = await load<Errors>('errors');
      const ops = await load<Ops>('operation');
      const resources = await load<Resources>('resources');
      expect(errors.SdkError).toBe(main.SdkError);
      expect(errors.ValidationError).toBe(main.ValidationError);
      expect(ops.Operation).toBe(main.Operation);
      const e = new errors.RegistryError('r.example', 'blob GET', 'boom');
      expect(e instanceof main.SdkError).toBe(true);
      const secret = `s3cret-${format}-${Date.now()}`;
      errors.registerSecret(secret);
      // The redaction registry is one module state, whichever entry registered the secret.
      expect(resources.API_VERSION).toBe(main.API_VERSION);
      const seen: string[] = [];
      main.createLogger({ write: (r) => seen.push(r.message) }).info(`token ${secret}`);
      expect(seen).toEqual(['token [REDACTED]']);
      errors.unregisterSecret(secret);
    });
  }
});
