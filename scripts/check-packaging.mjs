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
