#!/usr/bin/env node
// Builds every publishable package with the shared tsup config, in dependency
// order (a package's declarations are built against its dependencies' dist).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgs = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  if (!pkg.private) pkgs.set(pkg.name, { dir: join(root, 'packages', dir), deps: Object.keys(pkg.dependencies ?? {}) });
}
const done = new Set();
const visit = (name, trail = []) => {
  if (done.has(name) || !pkgs.has(name)) return;
  if (trail.includes(name)) throw new Error(`dependency cycle: ${[...trail, name].join(' -> ')}`);
  for (const dep of pkgs.get(name).deps) visit(dep, [...trail, name]);
  console.log(`building ${name}`);
  execFileSync(join(root, 'node_modules', '.bin', 'tsup'), ['--config', '../../tsup.config.ts', '--silent'], {
    cwd: pkgs.get(name).dir,
    stdio: 'inherit',
  });
  done.add(name);
};
for (const name of [...pkgs.keys()].sort()) visit(name);
