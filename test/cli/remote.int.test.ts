// Remote mode through the built binary against `imagebuild serve` on the harness: login, apply,
// logs -f, wait, download with resume, get tables, cancel, new-version, delete, completion, drain.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '@imagebuild/builder';
import { loadHarnessEnv, startFaultProxy } from '@imagebuild/testkit';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildYaml, exportYaml, repositoriesYaml, runTag } from './support/documents.js';
import { ensureBuilt, labelledLeftovers, runCli, spawnCli, tempDir, type CliProcess } from './support/cli.js';

const env = loadHarnessEnv();
const tmp = tempDir();
const state = join(tmp.dir, 'state');
const tokenFile = join(tmp.dir, 'token');
const cliEnv = { XDG_CONFIG_HOME: join(tmp.dir, 'config'), HOME: join(tmp.dir, 'home') };
const cli = (...args: string[]) => runCli(args, { env: cliEnv, cwd: tmp.dir });
const name = `cli-remote-${runTag()}`;
const sha256 = (file: string): string => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
let serve: CliProcess;
let url = '';

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(join(tmp.dir, 'docs'));
  writeFileSync(join(tmp.dir, 'docs', 'a-repos.yaml'), repositoriesYaml(env));
  writeFileSync(join(tmp.dir, 'docs', 'b-build.yaml'), buildYaml(name, runTag()));
  writeFileSync(join(tmp.dir, 'docs', 'c-export.yaml'), exportYaml(`${name}-qcow2`, name, 'qcow2'));
  serve = spawnCli(
    [
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--state',
      state,
      '--token-file',
      tokenFile,
      '--grace-period',
      '1s',
      '--engine',
      `unix://${env.podmanSocket}`,
      '--converter-image',
      env.bibImage,
    ],
    { env: cliEnv },
  );
  const out = await serve.waitFor(/serving the image-builder API on (http:\/\/127\.0\.0\.1:\d+)/);
  url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
}, 600_000);

afterAll(async () => {
  if (serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.done;
  }
  tmp.remove();
});

describe('imagebuild against `imagebuild serve`', () => {
  it('generated a token once, stored with mode 0600, and serves /readyz', async () => {
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(serve.stderr()).toContain(token);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('login: a wrong token is explained (401, exit 2); an unreachable server is exit 3; the right one is stored 0600', async () => {
    const wrong = await cli('login', url, '--token', 'not-the-token-at-all');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('401');
    expect(wrong.stderr).toContain('rejected the token');
    const down = await cli('login', 'http://127.0.0.1:1');
    expect(down.code).toBe(3);
    const ok = await cli('login', url, '--token-file', tokenFile);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const file = join(cliEnv.XDG_CONFIG_HOME, 'imagebuild', 'client.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = parse(readFileSync(file, 'utf8')) as { contexts: Record<string, Record<string, string>> };
    expect(Object.values(config.contexts)[0]?.['image-builder-server']).toBe(`${url}/_/imagebuilder`);
  });

  it('apply --dry-run sends nothing; apply creates; the same again reports 409 per document and exits 1', async () => {
    const dry = await cli('apply', '-f', 'docs', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`# imagebuild/${name} (dry run): POST /api/v1/imagebuilds`);
    expect((await cli('get', `ib/${name}`)).code).toBe(1);
    const applied = await cli('apply', '-f', 'docs/*.yaml');
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(
      `repository/cli-src created\nrepository/cli-dst created\nimagebuild/${name} created\nimageexport/${name}-qcow2 created\n`,
    );
    expect(applied.code).toBe(0);
    const again = await cli('apply', '-f', 'docs');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`imagebuild/${name}: already exists (409)`);
    expect(again.stderr).toContain(`imageexport/${name}-qcow2: already exists (409)`);
  });

  it('logs -f follows the build to its end and prints exactly the stored log', async () => {
    const followed = await cli('logs', `ib/${name}`, '-f');
    expect(followed.code).toBe(0);
    const stored = await cli('logs', 'ib', name);
    expect(followed.stdout).toBe(stored.stdout);
    expect(stored.stdout).toContain(`ImageBuild ${name} completed`);
    const waited = await cli('wait', `ie/${name}-qcow2`, '--for=Completed', '--timeout', '3m');
    expect(waited.stdout).toBe(`imageexport/${name}-qcow2 Completed\n`);
    expect(waited.code).toBe(0);
  });

  it('logs -f through a connection cut mid-stream resumes without repeating or losing a line', async () => {
    const stored = (await cli('logs', `ib/${name}`)).stdout;
    let armed = false;
    const proxy = await startFaultProxy({
      target: url.replace('http://', ''),
      plan: () => (armed ? { offset: 400 + Math.floor(stored.length / 2) } : undefined),
      maxCuts: 1,
      lifetimeMs: 120_000,
    });
    try {
      const login = await cli('login', `http://${proxy.address}`, '--token-file', tokenFile, '-c', 'cut');
      expect(login.code).toBe(0);
      armed = true;
      const followed = await cli('logs', `ib/${name}`, '-f', '-c', 'cut');
      expect(proxy.stats.cuts).toBe(1);
      expect(followed.code).toBe(0);
      expect(followed.stdout).toBe(stored);
    } finally {
      await proxy.stop();
      await cli('login', url, '--token-file', tokenFile); // back to the direct context
    }
  });

  it('download verifies, refuses to overwrite without --force, and resumes a partial file with Range', async () => {
    const first = await cli('download', 'ie', `${name}-qcow2`, 'disk.qcow2');
    expect(first.code).toBe(0);
    const file = join(tmp.dir, 'disk.qcow2');
    expect(first.stdout).toContain(`${sha256(file)}, verified`);
    const again = await cli('download', `ie/${name}-qcow2`, 'disk.qcow2');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const size = statSync(file).size;
    const half = Math.floor(size / 2);
    writeFileSync(join(tmp.dir, 'resumed.qcow2.part'), readFileSync(file).subarray(0, half));
    const resumed = await cli('download', `ie/${name}-qcow2`, 'resumed.qcow2');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resumed at byte ${half}`);
    expect(sha256(join(tmp.dir, 'resumed.qcow2'))).toBe(sha256(file));
    copyFileSync(file, join(tmp.dir, 'forced.qcow2'));
    expect((await cli('download', `ie/${name}-qcow2`, 'forced.qcow2', '--force')).code).toBe(0);
  });

  it('get: flightctl columns, wide, yaml, json, name, selectors and paging', async () => {
    const ib = await cli('get', 'ib', '--field-selector', `metadata.name=${name}`);
    expect(ib.stdout).toMatch(
      new RegExp(
        `^NAME +PHASE +INPUT +OUTPUT +AGE\\n${name} +Completed +cli-src/fixtures/bootc-base:latest +cli-dst/clitest/${name}:\\S+ +\\d+ seconds? ago\\n$`,
      ),
    );
    const withExports = await cli('get', 'imagebuilds', name, '--with-exports');
    expect(withExports.stdout).toMatch(/^NAME +PHASE +INPUT +OUTPUT +EXPORTS +AGE\n.* qcow2 +/);
    const ie = await cli('get', 'ie', '-o', 'wide', '-l', 'nothing=here');
    expect(ie.stdout).toBe(
      `${['NAME', 'PHASE', 'SOURCE', 'OUTPUT', 'FORMAT', 'AGE', 'DIGEST', 'LABELS'].join('   ')}\n`,
    );
    const json = JSON.parse((await cli('get', `ib/${name}`, '-o', 'json')).stdout) as {
      kind: string;
      metadata: { name: string };
    };
    expect(json).toMatchObject({ kind: 'ImageBuild', metadata: { name } });
    const yaml = parse((await cli('get', 'ie', '-o', 'yaml')).stdout) as { kind: string; items: unknown[] };
    expect(yaml.kind).toBe('ImageExportList');
    expect((await cli('get', 'ib', '-l', 'suite=cli', '-o', 'name')).stdout.split('\n')).toContain(name);
    const repos = await cli('get', 'repo');
    expect(repos.stdout).toMatch(/^NAME +TYPE +REPOSITORY URL +ACCESSIBLE\n/);
    expect(repos.stdout).toContain(`cli-src   oci    ${env.registryPlain}`);
  });

  it('cancel, new-version and delete', async () => {
    const second = `${name}-b`;
    writeFileSync(join(tmp.dir, 'second.yaml'), buildYaml(second, runTag()));
    expect((await cli('apply', '-f', 'second.yaml')).code).toBe(0);
    const canceled = await cli('cancel', `ib/${second}`);
    expect(canceled.stdout).toBe(`imagebuild/${second} canceled\n`);
    const waited = await cli('wait', `ib/${second}`, '--for=Completed', '--timeout', '2m');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('ended Canceled');
    const notCancelable = await cli('cancel', 'ib', name);
    expect(notCancelable.code).toBe(1);
    const page = await cli('get', 'ib', '--limit', '1', '-o', 'name', '-l', 'suite=cli');
    expect(page.stdout.trim().split('\n')).toHaveLength(1);
    const token = /--continue (\S+)/.exec(page.stderr)?.[1];
    expect(token).toBeDefined();
    const rest = await cli('get', 'ib', '--limit', '1', '-o', 'name', '-l', 'suite=cli', '--continue', token as string);
    expect(rest.stdout).not.toBe(page.stdout);

    const nv = await cli('new-version', `ib/${name}`, '--name', `${name}-v2`, '--destination-image-tag', 'v2');
    expect(nv.stdout).toBe(`imagebuild/${name}-v2\n`);
    expect(nv.code).toBe(0);
    expect((await cli('cancel', `ib/${name}-v2`)).code).toBe(0);

    const del = await cli('delete', 'ib', name, second, `${name}-v2`);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe(
      `imagebuild/${name} deleted\nimagebuild/${second} deleted\nimagebuild/${name}-v2 deleted\n`,
    );
    const gone = await cli('get', `ib/${name}`);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('not found');
    expect((await cli('get', 'ie', '-o', 'name')).stdout).not.toContain(`${name}-qcow2`);
  });

  it('completion: scripts for three shells and live names', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await cli('completion', shell);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('imagebuild __complete');
    }
    expect((await cli('completion', 'tcsh')).code).toBe(2);
    const kinds = await cli('__complete', 'get', 'i');
    expect(kinds.stdout.split('\n')).toEqual(expect.arrayContaining(['ib', 'ie', 'imagebuild']));
    expect((await cli('__complete', 'get', '--wi')).stdout).toBe('--with-exports\n');
    const names = await cli('__complete', 'get', 'repo/cli-');
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining(['repo/cli-src', 'repo/cli-dst']));
  });

  it('--no-auth is refused off loopback (exit 2)', async () => {
    const r = await cli('serve', '--no-auth', '--listen', '0.0.0.0:0', '--state', join(tmp.dir, 'other'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('loopback');
  });

  it('SIGTERM drains: no new connections, a running build is canceled after the grace period, nothing is left', async () => {
    const last = `${name}-drain`;
    writeFileSync(join(tmp.dir, 'drain.yaml'), buildYaml(last, runTag()));
    expect((await cli('apply', '-f', 'drain.yaml')).code).toBe(0);
    for (let i = 0; i < 100; i++) {
      const phase = (await cli('get', `ib/${last}`, '-o', 'json')).stdout;
      if (phase.includes('"Building"') || phase.includes('"Pushing"') || phase.includes('"Completed"')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    serve.child.kill('SIGTERM');
    const r = await serve.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('draining');
    expect(r.stdout).toContain('stopped');
    const after = await cli('get', `ib/${last}`, '--local', '--state', state, '-o', 'json');
    const reason = (JSON.parse(after.stdout) as { status: { conditions: Array<{ reason: string }> } }).status
      .conditions[0]?.reason;
    expect(['Canceled', 'Completed']).toContain(reason);
    const store = new SqliteStore({ path: join(state, 'state.db') });
    const uid = (await store.get('ImageBuild', last))?.job?.uid;
    await store.close();
    expect(await labelledLeftovers(env.podmanSocket, uid ? [uid] : [])).toEqual([]);
    expect((await cli('get', 'ib')).code).toBe(3);
  });
});
