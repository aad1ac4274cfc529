#!/usr/bin/env node
// The unit suite and the quick start on other Node versions (CI: 22 and 24; the main run is on 20):
//   node scripts/node-matrix.mjs [major…]        (default: 22 24; needs the harness for the quick start)
// Per version: a copy of the workspace in a temp folder (the files git knows, node_modules hard-linked, so
// the copy costs seconds and no space), better-sqlite3 given a binary for that Node (compiled once, cached:
// scripts/lib/node-versions.mjs) — the repository's own node_modules, which Node 20 uses, is never rebuilt —
// then `vitest run --project unit` and the quick start, both run by that Node. The copy is removed afterwards.
// NODE_MATRIX_STEPS=unit,quickstart selects steps (default: both).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { installNative, nodeBin, nodeVersion } from './lib/node-versions.mjs';

const root = new URL('..', import.meta.url).pathname;
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ['22', '24'];
const steps = new Set((process.env.NODE_MATRIX_STEPS ?? 'unit,quickstart').split(','));
const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'imagebuild-node-'));
// The copies sit in `work`, so `../shared` (upstream's API documents, for the conformance tests) is a
// link there: without it those tests skip on Node 22 and 24. rmSync removes the link, not its target.
if (existsSync(join(root, '../shared'))) symlinkSync(join(root, '../shared'), join(work, 'shared'));
const removeWork = () => rmSync(work, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    removeWork();
    process.exit(130);
  });
const failures = [];
const t0 = Date.now();

function step(label, fn) {
  const start = Date.now();
  console.log(`\n--- ${label}`);
  try {
    fn();
  } catch (err) {
    failures.push(label);
    console.log(`FAIL ${label}: ${err.message}`);
  } finally {
    console.log(`--- ${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

/** Runs `node args…` in the copy with that node first on PATH (child `node`s are the same version). */
function runNode(node, copy, args, extraEnv = {}) {
  const r = spawnSync(node, args, {
    cwd: copy,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}`, TMPDIR: join(copy, '.tmp'), ...extraEnv },
  });
  if (r.status !== 0) throw new Error(`${args.slice(0, 3).join(' ')}: exit ${r.status ?? r.signal}`);
}

try {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
    .split('\0')
    .filter(Boolean);
  for (const major of majors) {
    let node;
    let copy;
    step(`node ${major}: binary, workspace copy, better-sqlite3`, () => {
      node = nodeBin(major);
      copy = join(work, `node${major}`);
      for (const f of files) {
        mkdirSync(dirname(join(copy, f)), { recursive: true });
        try {
          cpSync(join(root, f), join(copy, f));
        } catch (err) {
          if (err.code !== 'ENOENT') throw err; // deleted but not yet staged
        }
      }
      mkdirSync(join(copy, '.tmp'));
      // hard links: instant; nothing below writes into an existing file (caches removed, the addon replaced)
      execFileSync('cp', ['-al', join(root, 'node_modules'), join(copy, 'node_modules')]);
      // and the packages' own node_modules (versions npm could not hoist, e.g. the CLI's commander 14)
      for (const pkg of readdirSync(join(root, 'packages'))) {
        const nested = join(root, 'packages', pkg, 'node_modules');
        if (existsSync(nested)) execFileSync('cp', ['-al', nested, join(copy, 'packages', pkg, 'node_modules')]);
      }
      for (const cache of ['.vite', '.vite-temp', '.cache'])
        rmSync(join(copy, 'node_modules', cache), { recursive: true, force: true });
      installNative(node, join(copy, 'node_modules', 'better-sqlite3'));
      console.log(`node ${nodeVersion(node)}: ${files.length} files copied, node_modules linked`);
    });
    if (!copy) continue;
    const v = nodeVersion(node);
    if (steps.has('unit'))
      step(`node ${v}: unit suite (vitest run --project unit)`, () =>
        runNode(node, copy, [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit']),
      );
    if (steps.has('quickstart'))
      step(`node ${v}: quick start (build, export, download on the harness's podman)`, () =>
        runNode(
          node,
          copy,
          [
            join(copy, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
            '--conditions=@imagebuild/source',
            'scripts/quickstart.ts',
          ],
          { QUICKSTART_OUT: join(copy, '.quickstart') },
        ),
      );
  }
} finally {
  removeWork();
}
console.log(
  `\nnode matrix: ${failures.length ? `${failures.length} FAILED` : 'passed'} in ${Math.round((Date.now() - t0) / 1000)} s`,
);
for (const f of failures) console.log(`  FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
