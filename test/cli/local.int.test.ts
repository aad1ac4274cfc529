// `imagebuild build` and `get/logs/delete --local`, through the built binary against the harness.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '@imagebuild/builder';
import { renderAgentConfig } from '@imagebuild/core/containerfile';
import { demoEnrollmentConfig } from '../../examples/lib/harness.js';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdingProxy } from '../runners/engine-helpers.js';
import { buildYaml, repositoriesYaml, runTag } from './support/documents.js';
import { BIN, ensureBuilt, labelledLeftovers, runCli, spawnCli, tempDir } from './support/cli.js';

const env = loadHarnessEnv();
const tmp = tempDir();
const engineArgs = ['--engine', `unix://${env.podmanSocket}`, '--converter-image', env.bibImage];

async function jobUids(state: string): Promise<string[]> {
  const db = join(state, 'state.db');
  if (!existsSync(db)) return [];
  const store = new SqliteStore({ path: db });
  try {
    const recs = [...(await store.list('ImageBuild')), ...(await store.list('ImageExport'))];
    return recs.map((r) => r.job?.uid).filter((u): u is string => typeof u === 'string');
  } finally {
    await store.close();
  }
}

const sha256 = (file: string): string => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

beforeAll(() => ensureBuilt(), 600_000);
afterAll(() => tmp.remove());

describe('imagebuild build (local mode)', () => {
  it('builds, exports to qcow2 and iso, downloads both verified; get/logs/delete --local read the state', async () => {
    const dir = join(tmp.dir, 'two-exports');
    mkdirSync(dir);
    const name = `cli-local-${runTag()}`;
    writeFileSync(join(dir, 'repos.yaml'), repositoriesYaml(env));
    writeFileSync(join(dir, 'build.yaml'), buildYaml(name, runTag()));
    const state = join(dir, 'state');
    const r = await runCli(
      [
        'build',
        '-f',
        'build.yaml',
        '-f',
        'repos.yaml',
        '--export',
        'qcow2',
        '--export',
        'iso',
        '--download',
        'out',
        '--state',
        state,
        '-o',
        'json',
        ...engineArgs,
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const downloaded = events.filter((e) => e.type === 'downloaded');
    expect(downloaded.map((e) => e.name).sort()).toEqual([`${name}-iso`, `${name}-qcow2`]);
    for (const e of downloaded) {
      expect(existsSync(e.file as string)).toBe(true);
      expect(sha256(e.file as string)).toBe(e.digest);
    }
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([`${name}.iso`, `${name}.qcow2`]);
    expect(events.filter((e) => e.type === 'phase' && e.phase === 'Completed')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'result', exitCode: 0 });

    const table = await runCli(['get', 'ib', '--local', '--state', state, '--with-exports']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `^NAME +PHASE +INPUT +OUTPUT +EXPORTS +AGE\\n${name} +Completed +cli-src/fixtures/bootc-base:latest +cli-dst/clitest/${name}:\\S+ +iso,qcow2 +`,
      ),
    );
    const logs = await runCli(['logs', `ib/${name}`, '--local', '--state', state]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`ImageBuild ${name} completed`);
    expect(await labelledLeftovers(env.podmanSocket, await jobUids(state))).toEqual([]);

    const del = await runCli(['delete', `ib/${name}`, '--local', '--state', state, ...engineArgs.slice(0, 2)]);
    expect(del.stdout).toBe(`imagebuild/${name} deleted\n`);
    expect(del.code).toBe(0);
    const gone = await runCli(['get', 'ie', '--local', '--state', state, '-o', 'name']);
    expect(gone.stdout).toBe('');
    const missing = await runCli(['get', `ib/${name}`, '--local', '--state', state]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  it('refuses bad YAML with exit 2, naming the file, document and field, before touching any engine', async () => {
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'kind: ImageBuild\nmetadata: {name: x\n');
    writeFileSync(join(dir, 'invalid.yaml'), buildYaml('cli-bad', 'bad tag!'));
    const broken = await runCli(['build', '-f', 'broken.yaml', '--engine', 'unix:///nonexistent.sock'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml document 1: .*invalid YAML .*line \d+/);
    const invalid = await runCli(['build', '-f', 'invalid.yaml', '--state', join(dir, 'st')], { cwd: dir });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('spec.destination.imageTag');
    expect(invalid.stderr).not.toContain('    at '); // no stack without --debug
    expect(existsSync(join(dir, 'st'))).toBe(false);
  });

  it('exits 3 when the engine cannot be reached (an unused socket path)', async () => {
    const dir = join(tmp.dir, 'down');
    mkdirSync(dir);
    writeFileSync(join(dir, 'b.yaml'), `${repositoriesYaml(env)}---\n${buildYaml('cli-down', 'x')}`);
    const r = await runCli(
      ['build', '-f', 'b.yaml', '--engine', `unix://${join(dir, 'nobody.sock')}`, '--state', join(dir, 'st')],
      { cwd: dir },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`engine unix://${join(dir, 'nobody.sock')} cannot be reached`);
    expect(r.stderr).toContain('fix:');
  });

  // Ctrl-C at a random moment of each stage: every job is canceled, nothing labelled for them stays
  // on the engines, no partial download and no temporary file of the process is left.
  const windows: Array<[number, number]> = [
    [300, 1500],
    [2000, 6000],
    [7000, 14000],
  ];
  for (const [lo, hi] of windows) {
    it(`Ctrl-C between ${lo} and ${hi} ms leaves nothing behind`, async () => {
      const delay = lo + Math.floor(Math.random() * (hi - lo));
      const dir = join(tmp.dir, `sigint-${lo}`);
      const scratch = join(dir, 'tmp');
      mkdirSync(scratch, { recursive: true });
      const name = `cli-int-${runTag()}`;
      writeFileSync(join(dir, 'b.yaml'), `${repositoriesYaml(env)}---\n${buildYaml(name, runTag())}`);
      const state = join(dir, 'state');
      const p = spawnCli(
        [
          'build',
          '-f',
          'b.yaml',
          '--export',
          'qcow2',
          '--export',
          'iso',
          '--download',
          'out',
          '--state',
          state,
          ...engineArgs,
        ],
        {
          cwd: dir,
          env: { TMPDIR: scratch },
        },
      );
      await new Promise((r) => setTimeout(r, delay));
      p.child.kill('SIGINT');
      const r = await p.done;
      const context = `delay ${delay} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      // It may have finished before the signal on a fast day; then it must have succeeded.
      expect([0, 130], context).toContain(r.code);
      if (r.code === 130) expect(r.stderr, context).toMatch(/interrupted/);
      expect(await labelledLeftovers(env.podmanSocket, await jobUids(state)), context).toEqual([]);
      expect(await labelledLeftovers(env.dockerSocket, await jobUids(state)), context).toEqual([]);
      const out = join(dir, 'out');
      const files = existsSync(out) ? readdirSync(out) : [];
      expect(
        files.filter((f) => f.endsWith('.partial')),
        context,
      ).toEqual([]);
      expect(readdirSync(scratch), context).toEqual([]);
      expect(existsSync(join(state, 'lock')), context).toBe(false);
    });
  }

  it('a second Ctrl-C exits at once naming what may be left; the next run on the state removes it', async () => {
    // The second Ctrl-C must arrive while the first cancel still runs. Stopping a privileged converter
    // can take seconds on a real engine but may take milliseconds here: the CLI talks to podman through
    // a proxy that holds back the engine's answer to a container or volume removal (the removal is done).
    const proxy = await holdingProxy(env.podmanSocket, /^DELETE \S*\/(containers|volumes)\//, 5000, () => undefined);
    const slowRemoval = ['--engine', proxy.url, ...engineArgs.slice(2)];
    let dir = '';
    let name = '';
    let state = '';
    let r: Awaited<ReturnType<typeof spawnCli>['done']> | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      dir = join(tmp.dir, `twice-${attempt}`);
      mkdirSync(dir);
      name = `cli-twice-${runTag()}`;
      writeFileSync(join(dir, 'b.yaml'), `${repositoriesYaml(env)}---\n${buildYaml(name, runTag())}`);
      state = join(dir, 'state');
      const p = spawnCli(['build', '-f', 'b.yaml', '--export', 'qcow2', '--state', state, ...slowRemoval], {
        cwd: dir,
      });
      await p.waitFor(`ImageExport ${name}-qcow2: Converting`);
      p.child.kill('SIGINT');
      await p.waitFor('interrupted: canceling');
      p.child.kill('SIGINT');
      r = await p.done;
      if (r.stderr.includes('interrupted again')) break;
    }
    proxy.close();
    if (!r) throw new Error('no attempt ran');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted again: exiting now. May be left behind:');
    expect(r.stderr).toContain(`ImageBuild ${name}`);
    // Whatever the first cancel had not removed yet goes with the next builder start on this state.
    const uids = await jobUids(state);
    expect(uids.length).toBeGreaterThan(0);
    const del = await runCli(['delete', `ib/${name}`, '--local', '--state', state, ...engineArgs.slice(0, 2)]);
    expect(del.code).toBe(0);
    expect(await labelledLeftovers(env.podmanSocket, uids)).toEqual([]);
    expect(existsSync(join(state, 'lock'))).toBe(false);
  });

  it('early binding needs --enrollment-config (exit 2 without it) and builds with it', async () => {
    const dir = join(tmp.dir, 'early');
    mkdirSync(dir);
    const name = `cli-early-${runTag()}`;
    writeFileSync(
      join(dir, 'b.yaml'),
      `${repositoriesYaml(env)}---\n${buildYaml(name, runTag()).replace('type: late', 'type: early')}`,
    );
    writeFileSync(join(dir, 'agent-config.yaml'), renderAgentConfig(demoEnrollmentConfig()), { mode: 0o600 });
    const without = await runCli(['build', '-f', 'b.yaml', '--state', join(dir, 's1'), ...engineArgs], { cwd: dir });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/enrollment/i);
    const withConfig = await runCli(
      ['build', '-f', 'b.yaml', '--state', join(dir, 's2'), '--enrollment-config', 'agent-config.yaml', ...engineArgs],
      { cwd: dir },
    );
    expect(withConfig.stderr).toBe('');
    expect(withConfig.code).toBe(0);
    expect(withConfig.stdout).toContain(`ImageBuild ${name}: Completed`);
    // The enrollment key never reaches the output or the job log.
    const key = readFileSync(join(dir, 'agent-config.yaml'), 'utf8');
    const log = (await runCli(['logs', `ib/${name}`, '--local', '--state', join(dir, 's2')])).stdout;
    const keyLine = /client-key-data: (\S+)/.exec(key)?.[1] ?? 'missing';
    expect(keyLine).not.toBe('missing');
    expect(withConfig.stdout + log).not.toContain(keyLine);
  });
});

describe('imagebuild build on a terminal', () => {
  it('draws live bars (phases, download), shows the cursor again, and downloads verified', async () => {
    const dir = join(tmp.dir, 'tty');
    mkdirSync(dir);
    const name = `cli-tty-${runTag()}`;
    writeFileSync(join(dir, 'b.yaml'), `${repositoriesYaml(env)}---\n${buildYaml(name, runTag())}`);
    // util-linux script(1) gives the CLI a pseudo-terminal as stdout; -e passes its exit status on
    const cmd = [process.execPath, BIN, 'build', '-f', 'b.yaml', '--export', 'qcow2', '--download', 'out']
      .concat(['--state', join(dir, 'state'), ...engineArgs])
      .join(' ');
    const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm', COLUMNS: '120' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    const out = r.stdout;
    expect(r.status, out).toBe(0);
    expect(out).toContain('\u001b[?25l'); // cursor hidden while the bars draw
    expect(out).toContain('\u001b[?25h'); // and shown again at the end
    expect(out).toMatch(new RegExp(`build\\s+${name}\\s.*Completed`));
    expect(out).toMatch(/download .*-qcow2\s.*verified /);
    const file = join(dir, 'out', `${name}.qcow2`);
    expect(existsSync(file)).toBe(true);
  });
});
