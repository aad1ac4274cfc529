import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canTransition, getReadyCondition, isTerminal } from '@imagebuild/core/lifecycle';
import { ImageBuilder, INTERRUPTED_MESSAGE, SqliteStore } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, TempDirs } from '@imagebuild/testkit';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const child = fileURLToPath(new URL('./fixtures/restart-child.ts', import.meta.url));

describe('SIGKILL with 20 jobs in flight, then restart (SQLite store, real podman)', () => {
  it('loses nothing: every job ends in a legal state, Pending ones run, interrupted ones fail, no engine leftovers', async () => {
    const env = loadHarnessEnv();
    const dir = dirs.make('ib-restart-');
    const dbPath = join(dir, 'builder.sqlite');
    const logDir = join(dir, 'logs');
    const id = Date.now().toString(36);
    const proc = spawn(
      process.execPath,
      [
        '--conditions=@imagebuild/source',
        '--import',
        'tsx',
        child,
        dbPath,
        logDir,
        `unix://${env.podmanSocket}`,
        env.registryPlain,
        id,
        env.bibImage,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child never had 2 builds in flight; stderr: ${err}`)), 120_000);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('IN_FLIGHT') && out.includes('CREATED')) {
          clearTimeout(t);
          resolve();
        }
      });
      proc.on('exit', (code) => reject(new Error(`child exited (${code}) early; stderr: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 1500)); // let the engine get properly into the work
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGKILL');
    await exited;

    // What the killed process left: states in the file, and engine resources of the active jobs.
    const peek = new SqliteStore({ path: dbPath });
    const before = [...(await peek.list('ImageBuild')), ...(await peek.list('ImageExport'))];
    await peek.close();
    expect(before).toHaveLength(20);
    const activeBefore = before.filter((r) =>
      ['Building', 'Pushing', 'Converting'].includes(getReadyCondition(r.object.status?.conditions)?.reason ?? ''),
    );
    expect(activeBefore.length).toBeGreaterThanOrEqual(1);

    const runner = new PodmanRunner({ engine: `unix://${env.podmanSocket}`, name: 'podman' });
    const phases: Array<{ kind: 'ImageBuild' | 'ImageExport'; from: string; phase: string }> = [];
    const builder = new ImageBuilder({
      runners: [runner],
      store: new SqliteStore({ path: dbPath }),
      logDir,
      concurrency: 2,
      exportOptions: { converterImage: env.bibImage },
    });
    const w = builder.watch();
    void (async () => {
      for await (const ev of w) if (ev.type === 'phase') phases.push(ev);
    })().catch(() => undefined);
    const report = await builder.ready();
    expect(report.interrupted.sort()).toEqual(activeBefore.map((r) => `${r.kind}/${r.name}`).sort());
    expect(report.cleanup.every((c) => c.error === undefined && c.report!.failed.length === 0)).toBe(true);

    const until = Date.now() + 240_000;
    let all: Array<{ kind: string; name: string; reason: string | undefined; message: string | undefined }> = [];
    for (;;) {
      const builds = (await builder.list('ImageBuild')).items;
      const exports = (await builder.list('ImageExport')).items;
      all = [...builds, ...exports].map((o) => ({
        kind: o.kind,
        name: o.metadata.name,
        reason: getReadyCondition(o.status?.conditions)?.reason,
        message: getReadyCondition(o.status?.conditions)?.message,
      }));
      if (all.every((x) => isTerminal(x.reason))) break;
      if (Date.now() > until) throw new Error(`not settled: ${JSON.stringify(all)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(all).toHaveLength(20); // 0 resources lost
    for (const r of activeBefore) {
      const now = all.find((x) => x.kind === r.kind && x.name === r.name)!;
      expect(now).toMatchObject({ reason: 'Failed', message: INTERRUPTED_MESSAGE });
    }
    const pendingBefore = before.filter(
      (r) => getReadyCondition(r.object.status?.conditions)?.reason === 'Pending' && r.kind === 'ImageBuild',
    );
    expect(pendingBefore.length).toBeGreaterThan(0);
    for (const r of pendingBefore)
      expect(all.find((x) => x.kind === 'ImageBuild' && x.name === r.name)?.reason).toBe('Completed');
    for (const x of all.filter((a) => a.kind === 'ImageExport')) {
      const parent = all.find((a) => a.kind === 'ImageBuild' && `${a.name}-qcow2` === x.name)!;
      if (activeBefore.some((r) => r.kind === 'ImageExport' && r.name === x.name)) continue; // checked above
      if (parent.reason === 'Completed') expect(x, x.message).toMatchObject({ reason: 'Completed' });
      else expect(x.message).toMatch(/source ImageBuild ".*" failed; this export cannot run|interrupted by restart/);
    }
    for (const p of phases) expect(canTransition(p.kind, p.from, p.phase)).toBe(true);
    for (const rec of before) {
      const jobId = rec.job!.uid;
      const state = all.find((x) => x.kind === rec.kind && x.name === rec.name);
      const was = getReadyCondition(rec.object.status?.conditions)?.reason;
      expect(
        await runner.listResources({ jobId }),
        `leftovers of ${rec.kind} ${rec.name} (was ${was} at the kill, now ${state?.reason}: ${state?.message})`,
      ).toEqual([]);
    }
    await builder.close();
    await runner.close();
  });
});
