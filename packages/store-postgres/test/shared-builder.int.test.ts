// Two ImageBuilders on one PostgreSQL database, as two processes would be: one runs jobs, the other
// only serves the API. What one does, the other sees: events, logs, cancels, dependencies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canTransition } from '@imagebuild/core/lifecycle';
import { ImageBuilder, type WatchEvent } from '@imagebuild/builder';
import { InstantRunner } from '../../builder/test/instant-runner.js';
import { build, exp, reasonOf, repo } from '../../builder/test/fixtures.js';
import { PostgresStore } from '../src/index.js';
import { createTestDatabase } from './test-database.js';

let db: { url: string; drop: () => Promise<void> };
const dir = mkdtempSync(join(tmpdir(), 'ib-shared-'));
const builders: ImageBuilder[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(builders.map((b) => b.close()));
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

function builder(
  runner: InstantRunner | undefined,
  name: string,
  store?: PostgresStore,
  sharedConcurrency?: number,
  concurrency = 4,
): ImageBuilder {
  const b = new ImageBuilder({
    runners: runner ? [{ runner, sharedConcurrency }] : [],
    store: store ?? new PostgresStore({ connectionString: db.url, maxConnections: 4 }),
    credentialKey: 'shared-test-key',
    leaseMs: 3000,
    concurrency,
    logDir: join(dir, name),
    handleSignals: false,
  });
  builders.push(b);
  return b;
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ImageBuilder on a shared PostgresStore', () => {
  it('runs jobs created in another process; that process sees every event in order and whole logs', async () => {
    const runner = new InstantRunner({ lines: 3, behaviour: (_k, n) => (n.startsWith('bad') ? 'fail' : 'ok') });
    const worker = builder(runner, 'worker');
    const api = builder(undefined, 'api');
    await Promise.all([worker.ready(), api.ready()]);
    const events: WatchEvent[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      for await (const e of api.watch({ signal: ac.signal })) events.push(e);
    })().catch(() => undefined);
    await api.create(repo('src'));
    await api.create(repo('dst'));
    for (let i = 0; i < 6; i++) {
      await api.create(build(`b${i}`));
      await api.create(exp(`e${i}`, `b${i}`));
    }
    await api.create(build('bad1'));
    await api.create(exp('ebad1', 'bad1'));
    const names = [...Array.from({ length: 6 }, (_, i) => [`b${i}`, `e${i}`]).flat(), 'bad1', 'ebad1'];
    await until(async () => {
      const all = [...(await api.list('ImageBuild')).items, ...(await api.list('ImageExport')).items];
      return all.length === names.length && all.every((o) => ['Completed', 'Failed'].includes(reasonOf(o) ?? ''))
        ? true
        : undefined;
    }, 20_000);
    // the API process ran nothing, the worker ran each job once
    expect(
      runner.calls
        .filter((c) => c.kind === 'build')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'bad1'].sort());
    expect(runner.calls.filter((c) => c.kind === 'export')).toHaveLength(6); // ebad1 never ran
    expect(reasonOf(await api.get('ImageExport', 'ebad1'))).toBe('Failed');
    expect(reasonOf(await api.get('ImageBuild', 'bad1'))).toBe('Failed');
    // every transition seen by the API process, legal and in order per job
    await until(async () =>
      events.filter((e) => e.type === 'phase' && e.phase === 'Completed').length >= 12 ? true : undefined,
    );
    for (const name of names) {
      const mine = events.filter((e) => e.name === name && e.kind !== 'Repository');
      expect(mine[0]?.type, name).toBe('created');
      let at = 'Pending';
      for (const e of mine.slice(1)) {
        if (e.type !== 'phase') continue;
        expect(e.from, `${name}: ${e.from} → ${e.phase}`).toBe(at);
        if (e.phase !== at)
          expect(canTransition(e.kind, at as never, e.phase as never), `${name} ${at}→${e.phase}`).toBe(true);
        at = e.phase;
      }
      expect(['Completed', 'Failed'], name).toContain(at);
    }
    // logs from the process that did not run the job: whole, ending with the job's last line
    const lines: string[] = [];
    for await (const l of api.logs('ImageBuild', 'b3', { follow: true })) lines.push(l);
    expect(lines[0]).toMatch(/\[builder\] ImageBuild b3 started on runner instant/);
    expect(lines).toContain('Building b3 step 3');
    expect(lines.at(-1)).toBe('[builder] ImageBuild b3 completed');
    const window = await api.readLog('ImageBuild', 'b3', { from: 1, limit: 2 });
    expect(window.total).toBe(lines.length);
    const windowLines: string[] = [];
    for await (const l of window.lines) windowLines.push(l);
    expect(windowLines).toEqual(lines.slice(1, 3));
    ac.abort();
    await watching;
    await Promise.all([worker.close(), api.close()]);
  }, 60_000);

  it('cancels and deletes from another process: the running job stops within 2 s', async () => {
    const runner = new InstantRunner({ behaviour: () => 'hang' });
    const worker = builder(runner, 'worker2');
    const api = builder(undefined, 'api2');
    await Promise.all([worker.ready(), api.ready()]);
    for (const r of ['src', 'dst']) await api.apply(repo(r));
    await api.create(build('hang1'));
    const running = async (name: string) =>
      reasonOf(await api.get('ImageBuild', name)) === 'Pushing' ? true : undefined; // where 'hang' waits
    await until(() => running('hang1'));
    const asked = Date.now();
    const answer = await api.cancel('ImageBuild', 'hang1');
    expect(['Canceling', 'Canceled']).toContain(reasonOf(answer));
    await until(async () => (reasonOf(await api.get('ImageBuild', 'hang1')) === 'Canceled' ? true : undefined));
    expect(Date.now() - asked).toBeLessThan(2000 + 1000); // ≤ 2 s to reach the worker, plus the abort
    await api.create(build('hang2'));
    await until(() => running('hang2'));
    expect(await api.delete('ImageBuild', 'hang2')).toBe(true);
    await until(async () => (runner.running === 0 ? true : undefined));
    await expect(worker.get('ImageBuild', 'hang2')).rejects.toThrow(/not found/);
    await Promise.all([worker.close(), api.close()]);
  }, 60_000);

  it('takes over the jobs of a process cut off from the database: running ones fail, waiting ones run', async () => {
    const cutStore = new PostgresStore({ connectionString: db.url, maxConnections: 4 });
    const hanging = new InstantRunner({ name: 'cut', behaviour: () => 'hang' });
    const cut = builder(hanging, 'cut', cutStore);
    await cut.ready();
    for (const r of ['src', 'dst']) await cut.apply(repo(r));
    await cut.create(build('lost1'));
    await until(async () => (reasonOf(await cut.get('ImageBuild', 'lost1')) === 'Pushing' ? true : undefined));
    await cut.create(exp('lost1-export', 'lost1'));
    const cutAt = Date.now();
    await cutStore.close(); // its renewals fail from now on, as if the process were gone
    const runner = new InstantRunner({ name: 'heir' });
    const heir = builder(runner, 'heir');
    await heir.ready();
    const ended = await until(async () => {
      const o = await heir.get('ImageBuild', 'lost1');
      return reasonOf(o) === 'Failed' ? o : undefined;
    }, 3000 + 5000);
    expect(Date.now() - cutAt).toBeLessThan(3000 + 2000 + 1000);
    expect(ended.status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/builder process lost/);
    // the build ran once (in the lost process); its export fails with it, and never ran
    expect(runner.calls).toHaveLength(0);
    await until(async () => (reasonOf(await heir.get('ImageExport', 'lost1-export')) === 'Failed' ? true : undefined));
    // a job created now runs in the heir
    await heir.create(build('after'));
    await until(async () => (reasonOf(await heir.get('ImageBuild', 'after')) === 'Completed' ? true : undefined));
    expect(runner.calls.map((c) => c.name)).toEqual(['after']);
    const lines: string[] = [];
    for await (const l of heir.logs('ImageBuild', 'lost1', { follow: true })) lines.push(l);
    expect(lines.at(-1)).toMatch(/\[builder\] ImageBuild lost1 failed: builder process lost/);
    // the cut-off process stops the job itself once its renewals have failed for the lease time
    await until(async () => (hanging.running === 0 ? true : undefined), 3000);
    await Promise.all([cut.close(), heir.close()]);
  }, 60_000);

  it('ends a lost running job within the lease time + 2 s even when every slot of the heir is busy', async () => {
    // the heir first, so that it (not the other process) claims the build that fills its only slot
    const heirRunner = new InstantRunner({ name: 'busy-heir', behaviour: () => 'hang' });
    const heir = builder(heirRunner, 'busy-heir', undefined, undefined, 1);
    await heir.ready();
    for (const r of ['src', 'dst']) await heir.apply(repo(r));
    await heir.create(build('occupies'));
    let cut: ImageBuilder | undefined;
    try {
      await until(async () => (heirRunner.running === 1 ? true : undefined));
      const cutStore = new PostgresStore({ connectionString: db.url, maxConnections: 4 });
      const other = builder(new InstantRunner({ name: 'cut2', behaviour: () => 'hang' }), 'cut2', cutStore);
      cut = other;
      await other.ready();
      await other.create(build('lost2'));
      await until(async () => (reasonOf(await other.get('ImageBuild', 'lost2')) === 'Pushing' ? true : undefined));
      const cutAt = Date.now();
      await cutStore.close();
      const ended = await until(async () => {
        const o = await heir.get('ImageBuild', 'lost2');
        return reasonOf(o) === 'Failed' ? o : undefined;
      }, 3000 + 5000);
      expect(Date.now() - cutAt).toBeLessThan(3000 + 2000);
      expect(ended.status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/builder process lost/);
      expect(heirRunner.running).toBe(1); // the slot stayed busy all along
      expect(heirRunner.calls.map((c) => c.name)).toEqual(['occupies']);
    } finally {
      await heir.cancel('ImageBuild', 'occupies').catch(() => undefined);
      await until(async () => (heirRunner.running === 0 ? true : undefined)).catch(() => undefined);
      await Promise.all([cut?.close(), heir.close()]);
    }
  }, 60_000);

  it('holds a per-engine limit across processes (sharedConcurrency)', async () => {
    const slow = () => 'slow' as const;
    const r1 = new InstantRunner({ name: 'one', behaviour: slow });
    const r2 = new InstantRunner({ name: 'two', behaviour: slow });
    const [b1, b2] = [builder(r1, 'limit1', undefined, 1), builder(r2, 'limit2', undefined, 1)];
    await Promise.all([b1.ready(), b2.ready()]);
    for (const r of ['src', 'dst']) await b1.apply(repo(r));
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, r1.running + r2.running);
    }, 2);
    for (let i = 0; i < 6; i++) await (i % 2 ? b1 : b2).create(build(`lim${i}`));
    await until(async () => {
      const items = (await b1.list('ImageBuild')).items.filter((o) => o.metadata.name.startsWith('lim'));
      return items.length === 6 && items.every((o) => reasonOf(o) === 'Completed') ? true : undefined;
    }, 20_000);
    clearInterval(sampler);
    // both runners reach the same engine ('memory://'): one job on it at a time, across the two processes
    expect(most).toBe(1);
    expect(r1.calls.length + r2.calls.length).toBe(6);
    await Promise.all([b1.close(), b2.close()]);
  }, 60_000);
});
