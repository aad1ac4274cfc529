#!/usr/bin/env node
// What the test suite could leave behind, before and after `npm test` (CI):
//   node scripts/leak-snapshot.mjs > before.tsv            records /tmp entries named imagebuild-* / ib-*, and the
//                                                          containers, images (intermediate ones too) and volumes
//                                                          of both harness engines (podman, dockerd), via their API
//   node scripts/leak-snapshot.mjs --compare before.tsv    lists what is new and fails when a new entry is ours:
//                                                          a /tmp entry of those names, or an engine object with an
//                                                          `io.imagebuild.*` label or an imagebuild / ib- name.
//                                                          Other new objects are listed, not counted.
// Engines from the harness env (IBH_ENV, default /tmp/ibh/env): PODMAN_SOCKET, DOCKER_SOCKET.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';

const OUR_NAME = /(^|[/:_-])(imagebuild|ib)-|^(imagebuild|ib)-/;
const TMP_NAME = /^(imagebuild|ib)-/;

function harnessEnv() {
  const file = process.env.IBH_ENV ?? '/tmp/ibh/env';
  if (!existsSync(file)) throw new Error(`harness env ${file} not found: the engines must be up`);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

function get(socketPath, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'engine' }, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
        if (body.length > 64 << 20) req.destroy(new Error(`${path}: response over 64 MiB`));
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

// The converter's cache volumes persist between exports by design (like the engine's image store; the
// first export on an engine creates them, `clearConverterCache()` removes them): listed, never a leak.
const CACHE_LABEL = 'io.imagebuild.converter-cache';
const ours = (labels, names) =>
  !(CACHE_LABEL in (labels ?? {})) &&
  (Object.keys(labels ?? {}).some((k) => k.startsWith('io.imagebuild.')) || names.some((n) => OUR_NAME.test(n)));
const row = (kind, id, names, labels) => ({
  key: `${kind}\t${id}`,
  line: `${kind}\t${id}\t${names.join(',') || '-'}\t${ours(labels, names) ? 'ours' : 'other'}`,
});

async function snapshot() {
  const rows = [];
  const tmp = tmpdir();
  for (const f of readdirSync(tmp)
    .filter((f) => TMP_NAME.test(f))
    .sort())
    rows.push(row('tmp', `${tmp}/${f}`, [f], {}));
  const env = harnessEnv();
  for (const [engine, socket] of [
    ['podman', env.PODMAN_SOCKET],
    ['docker', env.DOCKER_SOCKET],
  ]) {
    if (!socket) throw new Error(`harness env has no socket for ${engine}`);
    for (const c of await get(socket, '/containers/json?all=true'))
      rows.push(
        row(
          `${engine}-container`,
          c.Id.slice(0, 12),
          (c.Names ?? []).map((n) => n.replace(/^\//, '')),
          c.Labels,
        ),
      );
    for (const i of await get(socket, '/images/json?all=true'))
      rows.push(
        row(
          `${engine}-image`,
          i.Id.replace(/^sha256:/, '').slice(0, 12),
          (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
          i.Labels,
        ),
      );
    for (const v of (await get(socket, '/volumes')).Volumes ?? [])
      rows.push(row(`${engine}-volume`, v.Name, [v.Name], v.Labels));
  }
  return rows;
}

const rows = await snapshot();
const i = process.argv.indexOf('--compare');
if (i < 0) {
  for (const r of rows) console.log(r.line);
} else {
  const before = new Set(
    readFileSync(process.argv[i + 1], 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t').slice(0, 2).join('\t')),
  );
  const added = rows.filter((r) => !before.has(r.key));
  const leaks = added.filter((r) => r.line.endsWith('\tours'));
  for (const r of added) console.log(`${r.line.endsWith('\tours') ? 'LEAK ' : 'new  '}${r.line}`);
  if (leaks.length) {
    console.log(`leak check: ${leaks.length} new entr${leaks.length === 1 ? 'y' : 'ies'} of ours after the tests`);
    process.exit(1);
  }
  console.log(`leak check: nothing of ours left (${rows.length} entries; ${added.length} new, none ours)`);
}
