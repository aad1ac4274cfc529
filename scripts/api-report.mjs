#!/usr/bin/env node
// The public API of every publishable package (packages/*, not private), from its built declarations
// (`npm run build` first), as API Extractor reports in etc/api/<package>[-<entry>].api.md — one per entry
// point in the package's `exports`. Reviewed and committed: a change to a package's API shows up as a diff.
//   node scripts/api-report.mjs          check (CI, `npm run check:api`): fails when an export is new, gone or
//                                        changed, or when an export has no doc comment and the report does not
//                                        already list it (ae-undocumented), naming the file to update;
//   node scripts/api-report.mjs --update writes the reports (`npm run api:update`), to be reviewed and committed.
// Folder names of packages after the options limit the run to those packages (`… --update cli`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = new URL('..', import.meta.url).pathname;
const update = process.argv.includes('--update');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const reportFolder = join(root, 'etc', 'api');
const temp = mkdtempSync(join(tmpdir(), 'imagebuild-api-'));
// a run stopped by a signal (a `timeout`, Ctrl-C) skips `finally`: remove the folder then too
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    rmSync(temp, { recursive: true, force: true });
    process.kill(process.pid, sig);
  });
}
mkdirSync(reportFolder, { recursive: true });

// Warnings that belong in the report, reviewed like the API itself; everything else of API Extractor's
// default set stays on. We do not use release tags (@public/@beta), so their checks are off.
const inReport = { logLevel: 'warning', addToApiReportFile: true };
const messages = {
  compilerMessageReporting: { default: { logLevel: 'warning' } },
  extractorMessageReporting: {
    default: { logLevel: 'warning' },
    'ae-missing-release-tag': { logLevel: 'none' },
    'ae-undocumented': inReport,
    'ae-forgotten-export': inReport,
    'ae-incompatible-release-tags': { logLevel: 'none' },
  },
  tsdocMessageReporting: { default: { logLevel: 'none' } },
};

const expected = new Set();
let failed = 0;
try {
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    if (only.length && !only.includes(dir)) continue;
    const pkgDir = join(root, 'packages', dir);
    const pkgFile = join(pkgDir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    if (pkg.private) continue;
    const unscoped = pkg.name.replace(/^@[^/]+\//, '');
    for (const [subpath, target] of Object.entries(pkg.exports ?? { '.': { import: { types: pkg.types } } })) {
      const types = target?.import?.types;
      if (subpath === './package.json' || !types) continue;
      const reportName = subpath === '.' ? unscoped : `${unscoped}-${subpath.slice(2).replaceAll('/', '-')}`;
      expected.add(`${reportName}.api.md`);
      const entry = join(pkgDir, types);
      if (!existsSync(entry)) {
        console.log(`FAIL ${pkg.name}${subpath.slice(1)}: ${types} missing (run npm run build first)`);
        failed++;
        continue;
      }
      const config = ExtractorConfig.prepare({
        configObject: {
          projectFolder: pkgDir,
          mainEntryPointFilePath: entry,
          compiler: {
            overrideTsconfig: {
              compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'] },
              files: [entry],
            },
          },
          apiReport: { enabled: true, reportFolder, reportTempFolder: temp, reportFileName: reportName },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages,
        },
        configObjectFullPath: join(pkgDir, 'api-extractor.json'), // virtual: paths resolve from the package
        packageJsonFullPath: pkgFile,
      });
      const result = Extractor.invoke(config, {
        localBuild: update,
        showVerboseMessages: false,
        messageCallback: (m) => {
          // only report-changing problems matter here; the warnings are in the report
          if (m.logLevel === 'warning') m.handled = true;
        },
      });
      const label = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`;
      if (result.apiReportChanged && !update) {
        failed++;
        console.log(
          `FAIL ${label}: its public API differs from etc/api/${reportName}.api.md` +
            ' (an export new, gone, changed or undocumented): run `npm run build && npm run api:update`,' +
            ' review the diff, and commit it if intended',
        );
        const committed = join(reportFolder, `${reportName}.api.md`);
        const now = join(temp, `${reportName}.api.md`);
        if (existsSync(committed) && existsSync(now)) {
          const d = spawnSync('diff', ['-u', committed, now], { encoding: 'utf8' });
          console.log(d.stdout.split('\n').slice(0, 60).join('\n'));
        }
      } else if (result.errorCount > 0) {
        failed++;
        console.log(`FAIL ${label}: ${result.errorCount} error(s)`);
      } else {
        console.log(
          `${update && result.apiReportChanged ? 'updated' : 'ok  '} ${label} (etc/api/${reportName}.api.md)`,
        );
      }
    }
  }
  for (const f of only.length ? [] : readdirSync(reportFolder)) {
    if (f.endsWith('.api.md') && !expected.has(f)) {
      if (update) rmSync(join(reportFolder, f));
      else {
        failed++;
        console.log(`FAIL etc/api/${f}: no such entry point any more (npm run api:update removes it)`);
      }
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
if (failed) {
  console.error(`${failed} API report check(s) failed`);
  process.exit(1);
}
console.log(update ? 'API reports written: review the diff of etc/api/' : 'API reports match');
