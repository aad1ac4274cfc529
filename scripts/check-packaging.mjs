#!/usr/bin/env node
// Checks every publishable package's packaging after `npm run build`:
// publint (package.json / exports / files) and @arethetypeswrong/cli
// (types resolve for ESM and CJS consumers under node16 and bundler).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgDir = join(root, 'packages', dir);
  const pkgFile = join(pkgDir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  if (pkg.private) continue;
  // Nothing public under internal/: no entry re-exports from an internal/ module, and no built
  // declaration file refers to one.
  for (const target of Object.values(pkg.exports ?? {})) {
    const source = target?.['@imagebuild/source'];
    if (!source) continue;
    const text = readFileSync(join(pkgDir, source), 'utf8');
    if (/from '\.\/internal\//.test(text)) {
      failed++;
      console.log(`FAIL internal  ${pkg.name}: ${source} exports from an internal/ module`);
    }
  }
  const dist = join(pkgDir, 'dist');
  for (const f of existsSync(dist) ? readdirSync(dist) : []) {
    if (!/\.d\.c?ts$/.test(f)) continue;
    if (/(from |import\()['"][^'"]*\/internal\//.test(readFileSync(join(dist, f), 'utf8'))) {
      failed++;
      console.log(`FAIL internal  ${pkg.name}: dist/${f} refers to an internal/ path`);
    }
  }
  for (const [tool, args] of [
    ['publint', ['--strict', pkgDir]],
    ['attw', ['--pack', pkgDir, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
      console.log(`ok   ${tool.padEnd(8)} ${pkg.name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${tool.padEnd(8)} ${pkg.name}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  }
}
if (failed) {
  console.error(`${failed} packaging check(s) failed`);
  process.exit(1);
}
console.log('packaging checks passed');
