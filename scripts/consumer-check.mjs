#!/usr/bin/env node
// The packages as people install them (CI, after `npm run build`; needs the harness for the runs):
//   1. `npm pack` every publishable package (packages/*, not private) and check each tarball: dist, README.md,
//      LICENSE, no tests, snapshots or fixtures;
//   2. install the tarballs into a fresh project outside the repository (removed afterwards);
//   3. on each Node version (default 20 22 24, or the arguments): import/require every entry point, type-check
//      consumers under `--strict` with `skipLibCheck: false` (ESM `.mts`, CJS `.cts`, and bundler resolution),
//      and run the README's programs (test/readme/snippets.mjs) as written against the harness, setting only
//      environment variables: validate.mts, embedding.mts (must print the file it downloaded; a step of its
//      own checks the README's download semantics: ./out created, out/my-build.qcow2), enrollment.mts
//      (against test/packaging/enrollment-standin.mjs) and client.mts (against @imagebuild/http);
//   4. "engines down", a step of its own: embedding.mts with no reachable engine must fail within
//      ENGINES_DOWN_LIMIT_S (default 60) and print the discovery report (builder.ready() rejecting).
// CONSUMER_STEPS=run,engines-down selects the harness steps (default: both; the type-check always runs). Prints each step's duration.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readmeSnippets, readmeText } from '../test/readme/snippets.mjs';
import { installNative, nodeBin, nodeVersion } from './lib/node-versions.mjs';

const rootUrl = new URL('..', import.meta.url);
const root = rootUrl.pathname;
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ['20', '22', '24'];
const steps = new Set((process.env.CONSUMER_STEPS ?? 'run,engines-down').split(','));
const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'imagebuild-consumer-'));
const failures = [];
const t0 = Date.now();
const removeWork = () => rmSync(work, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    removeWork();
    process.exit(130);
  });
process.on('uncaughtException', (err) => {
  removeWork();
  console.error(err);
  process.exit(1);
});

const time = (label, fn) => {
  const start = Date.now();
  console.log(`\n--- ${label}`);
  try {
    return fn();
  } catch (err) {
    failures.push(`${label}: ${err.message.split('\n')[0]}`);
    console.log(`FAIL ${label}: ${err.message}`);
    return undefined;
  } finally {
    console.log(`--- ${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
};
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
const explain = (err) => `${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`.trim();

/** Runs a program to its end or `limitS`, with its output. Never throws. */
function runProgram(node, file, { cwd, env, limitS }) {
  return new Promise((resolve) => {
    const child = spawn(node, [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const started = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, limitS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function harnessEnv() {
  const file = process.env.IBH_ENV ?? '/tmp/ibh/env';
  if (!existsSync(file)) throw new Error(`harness env ${file} not found: run \`npm run engines:up\` first`);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

/** Environment for the README programs: ours minus every engine and harness variable, plus `extra`. */
function programEnv(extra, scratch) {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(DOCKER_|CONTAINER_|IBH_|REGISTRY_|PODMAN_|BIB_|NODE_OPTIONS$|XDG_RUNTIME_DIR$)/.test(k)) delete env[k];
  mkdirSync(scratch, { recursive: true });
  // whatever a killed program leaves in its temp dir stays inside the work folder, removed at the end
  return { ...env, TMPDIR: scratch, XDG_RUNTIME_DIR: scratch, ...extra };
}

// ---------------------------------------------------------------- 1. pack
const pkgs = readdirSync(join(root, 'packages'))
  .sort()
  .map((dir) => ({ dir: join(root, 'packages', dir), file: join(root, 'packages', dir, 'package.json') }))
  .filter((p) => existsSync(p.file))
  .map((p) => ({ ...p, json: JSON.parse(readFileSync(p.file, 'utf8')) }))
  .filter((p) => !p.json.private);
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const FORBIDDEN =
  /(^|\/)(test|tests|__snapshots__|__tests__|fixtures?)\/|\.test\.[cm]?[jt]s$|\.snap$|test-fixtures|\.int\.test/;
const fatal = (label, fn) => {
  const before = failures.length;
  const r = time(label, fn);
  if (failures.length > before) {
    removeWork();
    console.log(`\nconsumer check: FAILED at "${label}"`);
    process.exit(1);
  }
  return r;
};
fatal('pack every package and check the tarballs', () => {
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  for (const p of pkgs) {
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: p.dir }));
    p.tarball = join(tarballs, info.filename);
    const files = info.files.map((f) => f.path);
    const bad = files.filter((f) => FORBIDDEN.test(f));
    // every file its exports (but the source condition), main, types and bin name must be in it
    const targets = (v, key) =>
      typeof v === 'string'
        ? key === '@imagebuild/source'
          ? []
          : [v]
        : Object.entries(v ?? {}).flatMap(([k, x]) => targets(x, k));
    const declared = [
      ...targets(p.json.exports),
      ...targets({ main: p.json.main, types: p.json.types }),
      ...targets(typeof p.json.bin === 'string' ? { bin: p.json.bin } : p.json.bin),
    ].map((f) => f.replace(/^\.\//, ''));
    const missing = ['package.json', 'README.md', 'LICENSE', ...new Set(declared)].filter((f) => !files.includes(f));
    if (bad.length || missing.length)
      throw new Error(
        `${p.json.name}: ${bad.length ? `ships ${bad.join(', ')}` : ''} ${missing.length ? `lacks ${missing.join(', ')}` : ''}`,
      );
    if (readFileSync(join(p.dir, 'LICENSE'), 'utf8') !== license)
      throw new Error(`${p.json.name}: LICENSE differs from the root's`);
    for (const [dep, range] of Object.entries(p.json.dependencies ?? {}))
      if (dep.startsWith('@imagebuild/') && !/^\^\d/.test(range))
        throw new Error(`${p.json.name}: ${dep}@${range} is not a ^ range`);
    console.log(`ok   ${info.filename} (${files.length} files, ${info.size} bytes)`);
  }
});

// ---------------------------------------------------------------- 2. consumer project
const app = join(work, 'app');
// every entry point a consumer can import (a bin-only package has none)
const entries = pkgs.flatMap((p) =>
  Object.keys(p.json.exports ?? (p.json.main ? { '.': {} } : {}))
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? p.json.name : `${p.json.name}/${k.slice(2)}`)),
);
const snippets = readmeSnippets(readmeText(rootUrl));
const tsSnippets = snippets.filter((s) => s.lang === 'ts');
fatal('install the tarballs into a fresh project', () => {
  mkdirSync(join(app, 'src'), { recursive: true });
  const deps = Object.fromEntries(pkgs.map((p) => [p.json.name, `file:${p.tarball}`]));
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      // overrides: the siblings' own `^` ranges resolve to these tarballs, not to the registry
      {
        name: 'imagebuild-consumer',
        private: true,
        type: 'module',
        dependencies: deps,
        overrides: Object.fromEntries(Object.keys(deps).map((n) => [n, `$${n}`])),
      },
      null,
      2,
    )}\n`,
  );
  // install scripts run nowhere here: the one native addon is compiled per Node version below
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], { cwd: app });
  const imports = entries.map((e, i) => `import * as p${i} from '${e}';`).join('\n');
  const list = `export const entryPoints = [${entries.map((_, i) => `p${i}`).join(', ')}];\n`;
  writeFileSync(join(app, 'src', 'all.mts'), `${imports}\n${list}`);
  writeFileSync(join(app, 'src', 'all.cts'), `${imports}\n${list}`);
  for (const s of tsSnippets) writeFileSync(join(app, 'src', s.name), s.code);
  const strict = { strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2023'], types: ['node'] };
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...strict, module: 'nodenext', outDir: 'dist', rootDir: 'src' },
      include: ['src'],
    }),
  );
  writeFileSync(
    join(app, 'tsconfig.bundler.json'),
    JSON.stringify({
      compilerOptions: { ...strict, module: 'preserve', moduleResolution: 'bundler', noEmit: true },
      include: ['src/*.mts'],
    }),
  );
  console.log(
    `${entries.length} entry points: ${entries.join(', ')}; README programs: ${tsSnippets.map((s) => s.name).join(', ')}`,
  );
});

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const h = steps.has('run') || steps.has('engines-down') ? time('read the harness environment', harnessEnv) : undefined;

/** The README's data files, pointed at the harness: its registry and fixtures instead of quay.io. */
function writeRunFiles(dir, node, tag) {
  mkdirSync(dir, { recursive: true });
  const repo = (name, mode) => ({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry: h.REGISTRY_PLAIN, scheme: 'http', accessMode: mode },
  });
  const docs = [
    repo('centos-bootc', 'Read'),
    repo('my-registry', 'ReadWrite'),
    {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: 'my-build' },
      spec: {
        source: { repository: 'centos-bootc', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
        destination: { repository: 'my-registry', imageName: 'consumer-check/os', imageTag: tag },
        binding: { type: 'early' },
      },
    },
    {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: 'my-export' },
      spec: { source: { type: 'imageBuild', imageBuildRef: 'my-build' }, format: 'qcow2' },
    },
  ];
  writeFileSync(join(dir, 'imagebuild.yaml'), docs.map((d) => `---\n${JSON.stringify(d, null, 2)}\n`).join('')); // YAML: JSON documents under ---
  // a throwaway self-signed enrollment identity, written with the installed core's renderAgentConfig
  const keys = join(dir, 'keys');
  mkdirSync(keys);
  const ossl = (...args) => run('openssl', args, { cwd: keys });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=consumer-check CA');
  ossl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=consumer-check device');
  ossl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'client.crt',
    '-days',
    '1',
  );
  const render = `import { renderAgentConfig } from '@imagebuild/core/containerfile';
import { readFileSync as r, writeFileSync as w } from 'node:fs';
w(process.argv[1] + '/agent-config.yaml', renderAgentConfig({ serviceUrl: 'https://flightctl.invalid:7443',
  certificateAuthority: r(process.argv[1] + '/keys/ca.crt', 'utf8'), clientCertificate: r(process.argv[1] + '/keys/client.crt', 'utf8'),
  clientKey: r(process.argv[1] + '/keys/client.key', 'utf8') }), { mode: 0o600 });`;
  run(node, ['--input-type=module', '-e', render, dir], { cwd: app });
  rmSync(keys, { recursive: true });
}

const serveProgram = `// test server for client.mts: @imagebuild/http over a builder on the harness's podman
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { createImageBuilderHandler } from '@imagebuild/http';
import { parseDocumentsOrThrow } from '@imagebuild/core';
import { parseEnrollmentConfig } from '@imagebuild/core/containerfile';
const builder = new ImageBuilder({
  runners: [new PodmanRunner({})],
  enrollmentConfig: parseEnrollmentConfig(readFileSync('agent-config.yaml', 'utf8')),
  exportOptions: { converterImage: process.env.CONVERTER_IMAGE },
});
for (const doc of parseDocumentsOrThrow(readFileSync('imagebuild.yaml', 'utf8')))
  if (doc.kind === 'Repository') await builder.apply(doc);
const server = createServer(createImageBuilderHandler(builder));
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
process.on('SIGTERM', () => server.close(() => builder.close().then(() => process.exit(0))));
`;

// ---------------------------------------------------------------- 3. per Node version
for (const major of majors) {
  const node = time(`node ${major}: binary`, () => nodeBin(major));
  if (!node) continue;
  const v = nodeVersion(node);
  time(`node ${v}: better-sqlite3 binary`, () =>
    installNative(node, join(app, 'node_modules', 'better-sqlite3'), join(root, 'node_modules', 'better-sqlite3')),
  );
  const typed = time(`node ${v}: @types/node@${major} and strict type-check (ESM .mts, CJS .cts, bundler)`, () => {
    run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--prefer-offline',
        `@types/node@^${major}`,
      ],
      {
        cwd: app,
      },
    );
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    for (const cfg of ['tsconfig.json', 'tsconfig.bundler.json']) {
      try {
        run(node, [tsc, '-p', cfg], { cwd: app });
      } catch (err) {
        throw new Error(`tsc -p ${cfg}:\n${explain(err)}`);
      }
    }
    run(node, ['dist/all.mjs'], { cwd: app });
    run(node, ['dist/all.cjs'], { cwd: app });
    console.log(`ok   ${entries.length} entry points type-check strictly and load through import and require`);
    return true;
  });
  if (steps.has('run') && h && typed) {
    const dir = join(work, `run-${major}`);
    const tag = `node${major}-${process.pid}`;
    const engineEnv = { CONTAINER_HOST: h.PODMAN_URL, CONVERTER_IMAGE: h.BIB_IMAGE };
    let downloaded;
    await timeAsync(`node ${v}: README validate.mts`, async () => {
      writeRunFiles(dir, node, tag);
      const r = await runProgram(node, join(app, 'dist', 'validate.mjs'), {
        cwd: dir,
        env: programEnv({}, join(dir, 'tmp')),
        limitS: 60,
      });
      if (r.code !== 0 || !/^FROM /m.test(r.out))
        throw new Error(`exit ${r.code ?? r.signal}, expected a Containerfile:\n${r.out}`);
      console.log(`ok   validate.mts printed the Containerfile (${r.seconds.toFixed(1)} s)`);
    });
    await timeAsync(`node ${v}: README device-policy.mts`, async () => {
      const r = await runProgram(node, join(app, 'dist', 'device-policy.mjs'), {
        cwd: dir,
        env: programEnv({}, join(dir, 'tmp')),
        limitS: 60,
      });
      if (r.code !== 0 || !r.out.includes('"sigstoreSigned"') || !r.out.includes('use-sigstore-attachments: true'))
        throw new Error(`exit ${r.code ?? r.signal}, expected policy.json and registries.d:\n${r.out}`);
      console.log(`ok   device-policy.mts printed policy.json and registries.d (${r.seconds.toFixed(1)} s)`);
    });
    await timeAsync(`node ${v}: README embedding.mts (build, export, download on podman)`, async () => {
      const r = await runProgram(node, join(app, 'dist', 'embedding.mjs'), {
        cwd: dir,
        env: programEnv(engineEnv, join(dir, 'tmp')),
        limitS: 600,
      });
      const m = /^downloaded (\S+) \((\d+) bytes/m.exec(r.out);
      const file = m ? resolve(dir, m[1]) : '';
      if (r.code !== 0 || !m || !existsSync(file) || statSync(file).size !== Number(m[2]))
        throw new Error(
          `exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}; expected "downloaded <file>" naming the file:\n${r.out.slice(-4000)}`,
        );
      console.log(`ok   embedding.mts downloaded ${m[1]} (${m[2]} bytes) in ${r.seconds.toFixed(1)} s`);
      downloaded = file;
    });
    // a step of its own: the README says a target folder that does not exist is created
    await timeAsync(`node ${v}: README download semantics — ./out created, file out/my-build.qcow2`, async () => {
      if (!downloaded) throw new Error('embedding.mts did not download anything');
      const want = resolve(dir, 'out', 'my-build.qcow2');
      if (downloaded !== want) throw new Error(`the file is ${downloaded}, the README says ${want}`);
      console.log('ok   the missing folder ./out was created and holds my-build.qcow2');
    });
    await timeAsync(`node ${v}: README enrollment.mts against a stand-in core API`, async () => {
      const edir = join(work, `enrol-${major}`);
      mkdirSync(edir);
      const standin = join(root, 'test', 'packaging', 'enrollment-standin.mjs');
      const server = spawn(node, [standin, edir], { cwd: edir, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const port = await listeningPort(server);
        const r = await runProgram(node, join(app, 'dist', 'enrollment.mjs'), {
          cwd: edir,
          env: programEnv({ FLIGHTCTL_API_URL: `http://127.0.0.1:${port}` }, join(edir, 'tmp')),
          limitS: 120,
        });
        const file = join(edir, 'agent-config.yaml');
        const mode = statSync(file, { throwIfNoEntry: false })?.mode;
        if (r.code !== 0 || mode === undefined || (mode & 0o777) !== 0o600)
          throw new Error(`exit ${r.code ?? r.signal}; expected agent-config.yaml (mode 0600):\n${r.out.slice(-2000)}`);
        // the installed core reads back what the program wrote
        run(
          node,
          [
            '--input-type=module',
            '-e',
            "import { parseEnrollmentConfig as p } from '@imagebuild/core/containerfile'; import { readFileSync as r } from 'node:fs'; const c = p(r(process.argv[1], 'utf8')); if (!c.clientKey.includes('PRIVATE KEY')) process.exit(1);",
            file,
          ],
          { cwd: app },
        );
        console.log(
          `ok   enrollment.mts wrote agent-config.yaml (0600), parseEnrollmentConfig reads it (${r.seconds.toFixed(1)} s)`,
        );
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => (server.exitCode === null ? server.on('close', resolve) : resolve()));
      }
    });
    await timeAsync(`node ${v}: README client.mts against @imagebuild/http`, async () => {
      const cdir = join(work, `client-${major}`);
      writeRunFiles(cdir, node, `${tag}-client`);
      writeFileSync(join(app, 'dist', 'serve.mjs'), serveProgram);
      const server = spawn(node, [join(app, 'dist', 'serve.mjs')], {
        cwd: cdir,
        env: programEnv(engineEnv, join(cdir, 'tmp')),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const port = await listeningPort(server);
        const r = await runProgram(node, join(app, 'dist', 'client.mjs'), {
          cwd: cdir,
          env: programEnv({ IMAGEBUILDER_URL: `http://127.0.0.1:${port}` }, join(cdir, 'tmp')),
          limitS: 600,
        });
        const m = /^downloaded (\S+) \((\d+) bytes/m.exec(r.out);
        if (r.code !== 0 || !m || statSync(resolve(cdir, m[1]), { throwIfNoEntry: false })?.size !== Number(m[2]))
          throw new Error(`exit ${r.code ?? r.signal}; expected "downloaded <file>":\n${r.out.slice(-4000)}`);
        console.log(
          `ok   client.mts downloaded ${m[1]} (${m[2]} bytes) through the HTTP API in ${r.seconds.toFixed(1)} s`,
        );
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => (server.exitCode === null ? server.on('close', resolve) : resolve()));
      }
    });
  }
  // ---------------------------------------------------------------- 4. engines down (needs builder.ready())
  if (steps.has('engines-down') && h && typed) {
    const limitS = Number(process.env.ENGINES_DOWN_LIMIT_S ?? 60);
    await timeAsync(
      `node ${v}: engines down — embedding.mts fails within ${limitS} s with the discovery report`,
      async () => {
        const dir = join(work, `down-${major}`);
        writeRunFiles(dir, node, `node${major}-down`);
        const dead = `unix://${join(dir, 'no-engine.sock')}`;
        const r = await runProgram(node, join(app, 'dist', 'embedding.mjs'), {
          cwd: dir,
          env: programEnv({ CONTAINER_HOST: dead, CONVERTER_IMAGE: h.BIB_IMAGE }, join(dir, 'tmp')),
          limitS,
        });
        if (r.timedOut)
          throw new Error(`still running after ${limitS} s (no discovery report):\n${r.out.slice(-2000)}`);
        if (r.code === 0 || !r.out.includes('no-engine.sock') || !/CONTAINER_HOST/.test(r.out))
          throw new Error(
            `exit ${r.code}; expected builder.ready() to reject with the discovery report, naming CONTAINER_HOST and ${dead}:\n${r.out.slice(-2000) || '(no output at all)'}`,
          );
        console.log(`ok   failed in ${r.seconds.toFixed(1)} s (exit ${r.code}) with the discovery report`);
      },
    );
  }
}

/** Resolves with the port a child program prints as `listening <port>`; rejects with its output if it exits. */
function listeningPort(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before listening: ${out}`)));
  });
}

async function timeAsync(label, fn) {
  const start = Date.now();
  console.log(`\n--- ${label}`);
  try {
    await fn();
  } catch (err) {
    failures.push(`${label}: ${err.message.split('\n')[0]}`);
    console.log(`FAIL ${label}: ${err.message}`);
  } finally {
    console.log(`--- ${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

removeWork();
console.log(
  `\nconsumer check: ${failures.length ? `${failures.length} FAILED` : 'passed'} in ${Math.round((Date.now() - t0) / 1000)} s`,
);
for (const f of failures) console.log(`  FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
