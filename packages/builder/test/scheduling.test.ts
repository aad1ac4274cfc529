import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '@imagebuild/core';
import { ImageBuilder, type ImageBuilderOptions } from '../src/index.js';
import { InstantRunner, type Behaviour } from './instant-runner.js';
import { build, exp, repo } from './fixtures.js';
import { waitForReason } from './helpers.js';

let b: ImageBuilder;
afterEach(async () => b?.close());

async function setup(runners: InstantRunner[], opts: Partial<ImageBuilderOptions> = {}): Promise<void> {
  b = new ImageBuilder({ runners, ...opts });
  await b.create(repo('src'));
  await b.create(repo('dst'));
}
const by =
  (map: Record<string, Behaviour>) =>
  (_k: 'build' | 'export', name: string): Behaviour =>
    map[name] ?? 'ok';

describe('queue and pool', () => {
  it('respects the global limit and per-runner limits, spreading over the pool', async () => {
    const r1 = new InstantRunner({ name: 'r1', behaviour: () => 'slow' });
    const r2 = new InstantRunner({ name: 'r2', behaviour: () => 'slow' });
    await setup([{ runner: r1, concurrency: 1 }, r2] as never, { concurrency: 3, perRunnerConcurrency: 2 });
    for (let i = 0; i < 8; i++) await b.create(build(`b${i}`));
    for (let i = 0; i < 8; i++) await waitForReason(b, 'ImageBuild', `b${i}`, ['Completed']);
    expect(r1.maxRunning).toBe(1);
    expect(r2.maxRunning).toBe(2);
    expect(r1.calls.length + r2.calls.length).toBe(8);
    expect(r1.calls.length).toBeGreaterThan(0);
  });

  it('skips a runner whose ping fails and uses it again once it answers', async () => {
    const down = true;
    const r1 = new InstantRunner({ name: 'down', down: () => down });
    const r2 = new InstantRunner({ name: 'up' });
    await setup([r1, r2], { pingRetryMs: 20 });
    await b.create(build('b1'));
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    expect(r1.calls).toHaveLength(0);
    expect(r2.calls).toHaveLength(1);
  });

  it('waits for a runner when every runner is down, then runs', async () => {
    let down = true;
    const r1 = new InstantRunner({ name: 'only', down: () => down });
    await setup([r1], { pingRetryMs: 20 });
    await b.create(build('b1'));
    await new Promise((r) => setTimeout(r, 60));
    expect((await b.get('ImageBuild', 'b1')).status?.conditions?.[0]?.reason).toBe('Pending');
    down = false;
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
  });

  it('retries a down runner even when a scheduling pass outlasts pingRetryMs', async () => {
    // pingRetryMs 0: the retry time is already past when the pass ends (as under CI load with 20 ms)
    let down = true;
    const r1 = new InstantRunner({ name: 'only', down: () => down });
    await setup([r1], { pingRetryMs: 0 });
    await b.create(build('b1'));
    await new Promise((r) => setTimeout(r, 30));
    down = false;
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed'], 2000);
  });

  it('an export waits for its build, then runs on it', async () => {
    const r = new InstantRunner({ behaviour: by({ b1: 'slow' }) });
    await setup([r]);
    await b.create(build('b1'));
    await b.create(exp('e1', 'b1'));
    await waitForReason(b, 'ImageExport', 'e1', ['Completed']);
    const order = r.calls.map((c) => c.name);
    expect(order).toEqual(['b1', 'e1']);
    expect((await b.get('ImageExport', 'e1')).status?.manifestDigest).toMatch(/^sha256:/);
  });

  it("the build's runner pulls the converter image while the build runs, only for a waiting export", async () => {
    const r = new InstantRunner({ behaviour: by({ b0: 'slow', b1: 'slow', b2: 'slow' }) });
    await setup([r], { concurrency: 1, exportOptions: { converterImage: 'reg.example/bib:1' } });
    // e1 is created while b1 waits behind b0: b1's start prepares it; e2 while b2 runs
    await b.create(build('b0'));
    await b.create(build('b1'));
    await b.create(exp('e1', 'b1'));
    await waitForReason(b, 'ImageExport', 'e1', ['Completed']);
    await b.create(build('b2'));
    await waitForReason(b, 'ImageBuild', 'b2', ['Building']);
    await b.create(exp('e2', 'b2'));
    await waitForReason(b, 'ImageExport', 'e2', ['Completed']);
    expect(r.prepared).toEqual([
      { converterImage: 'reg.example/bib:1', running: ['b1'] },
      { converterImage: 'reg.example/bib:1', running: ['b2'] },
    ]);
  });

  it('an export fails promptly with a clear message when its build fails (upstream leaves it Pending)', async () => {
    await setup([new InstantRunner({ behaviour: by({ bad: 'fail' }) })]);
    await b.create(build('bad'));
    await b.create(exp('e1', 'bad'));
    expect(await waitForReason(b, 'ImageExport', 'e1', ['Failed', 'Completed'])).toBe('Failed');
    const e = await b.get('ImageExport', 'e1');
    expect(e.status?.conditions?.[0]?.message).toMatch(/source ImageBuild "bad" failed; this export cannot run/);
    // created after the build already failed: fails at once too
    await b.create(exp('e2', 'bad'));
    expect(await waitForReason(b, 'ImageExport', 'e2', ['Failed'])).toBe('Failed');
    const built = await b.get('ImageBuild', 'bad');
    expect(built.status?.conditions?.[0]?.message).toMatch(/failed: exit status 1/);
  });

  it('times out a job that makes no progress (staleness), and one over maxDurationMs', async () => {
    await setup([new InstantRunner({ behaviour: by({ quiet: 'silent', busy: 'hang' }) })], {
      // margins wide enough for a loaded machine: 'busy' logs every 5 ms, a stall of 600 ms would fail it as stale
      staleAfterMs: 600,
      heartbeatIntervalMs: 20,
      maxDurationMs: 1500,
    });
    await b.create(build('quiet'));
    await b.create(build('busy'));
    expect(await waitForReason(b, 'ImageBuild', 'quiet', ['Failed'])).toBe('Failed');
    expect((await b.get('ImageBuild', 'quiet')).status?.conditions?.[0]?.message).toMatch(
      /timed out: no output or progress/,
    );
    expect(await waitForReason(b, 'ImageBuild', 'busy', ['Failed'])).toBe('Failed');
    const busy = await b.get('ImageBuild', 'busy');
    expect(busy.status?.conditions?.[0]?.message).toMatch(/timed out: exceeded the overall limit/);
    expect(busy.status?.lastSeen).toBeDefined();
  });
});

describe('cancel and delete', () => {
  it('Pending → Canceled directly; running → Canceling → Canceled; terminal → ConflictError', async () => {
    const r = new InstantRunner({ behaviour: by({ long: 'hang' }) });
    await setup([r], { concurrency: 1 });
    await b.create(build('long'));
    await b.create(build('queued'));
    await waitForReason(b, 'ImageBuild', 'long', ['Building', 'Pushing']);
    const phases: string[] = [];
    const w = b.watch({ name: 'long' });
    const q = await b.cancel('ImageBuild', 'queued');
    expect(q.status?.conditions?.[0]?.reason).toBe('Canceled');
    const c = await b.cancel('ImageBuild', 'long');
    expect(c.status?.conditions?.[0]?.reason).toBe('Canceling');
    for await (const ev of w) {
      if (ev.type === 'phase') phases.push(ev.phase);
      if (ev.type === 'phase' && ev.phase === 'Canceled') break;
    }
    expect(phases.at(-1)).toBe('Canceled');
    expect(r.resources.size).toBe(0);
    await expect(b.cancel('ImageBuild', 'long')).rejects.toThrow(ConflictError);
    await expect(b.cancel('ImageBuild', 'queued')).rejects.toThrow(/not in a cancelable state \(it is Canceled\)/);
  });

  it('canceling a build cancels its exports; delete removes exports first, then the build', async () => {
    await setup([new InstantRunner({ behaviour: by({ b1: 'hang', e1: 'hang' }) })]);
    await b.create(build('b1'));
    await b.create(exp('e1', 'b1'));
    await waitForReason(b, 'ImageBuild', 'b1', ['Building', 'Pushing']);
    await b.cancel('ImageBuild', 'b1');
    expect(await waitForReason(b, 'ImageExport', 'e1', ['Canceled'])).toBe('Canceled');
    expect(await waitForReason(b, 'ImageBuild', 'b1', ['Canceled'])).toBe('Canceled');

    await b.create(build('b2'));
    await b.create(exp('e2', 'b2'));
    const deleted: string[] = [];
    const w = b.watch();
    await waitForReason(b, 'ImageBuild', 'b2', ['Completed']);
    expect(await b.delete('ImageBuild', 'b2')).toBe(true);
    for await (const ev of w) {
      if (ev.type === 'deleted') deleted.push(`${ev.kind}/${ev.name}`);
      if (deleted.length === 2) break;
    }
    expect(deleted).toEqual(['ImageExport/e2', 'ImageBuild/b2']);
    expect((await b.list('ImageExport')).items.map((i) => i.metadata.name)).toEqual(['e1']);
    expect(await b.delete('ImageBuild', 'b2')).toBe(false);
  });

  it('delete of a running export cancels it and waits for the runner to stop', async () => {
    const r = new InstantRunner({ behaviour: by({ e1: 'hang' }) });
    await setup([r]);
    await b.create(build('b1'));
    await b.create(exp('e1', 'b1'));
    await waitForReason(b, 'ImageExport', 'e1', ['Converting', 'Pushing']);
    expect(await b.delete('ImageExport', 'e1')).toBe(true);
    expect(r.resources.size).toBe(0);
    expect(r.running).toBe(0);
  });
});
