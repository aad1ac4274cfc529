import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { setReadyCondition } from '@imagebuild/core/lifecycle';
import { ImageBuilder, INTERRUPTED_MESSAGE, SqliteStore } from '../src/index.js';
import { InstantRunner } from './instant-runner.js';
import { build, exp, reasonOf, repo } from './fixtures.js';
import { collect, waitForReason } from './helpers.js';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

describe('restart recovery (state machine; the SIGKILL proof is test/builder/restart.int.test.ts)', () => {
  it('Pending runs, active → Failed "interrupted by restart" with leftovers cleaned, Canceling → Canceled or Failed (timeout)', async () => {
    const dir = dirs.make('ib-recover-');
    const path = join(dir, 'db.sqlite');
    const store = new SqliteStore({ path });
    const put = async (name: string, reason: string, job: Record<string, unknown> = {}) => {
      const o = build(name) as Record<string, unknown> & { status?: unknown; metadata: Record<string, unknown> };
      o.metadata = { ...o.metadata, resourceVersion: '1', generation: 1, labels: {}, annotations: {} };
      o.status = { conditions: setReadyCondition(undefined, reason, `was ${reason}`) };
      await store.insert({
        kind: 'ImageBuild',
        name,
        resourceVersion: 1,
        object: o as never,
        job: { uid: `uid-${name}`, runner: 'r1', ...job },
      });
    };
    await store.insert({ kind: 'Repository', name: 'src', resourceVersion: 1, object: repo('src') as never });
    await store.insert({ kind: 'Repository', name: 'dst', resourceVersion: 1, object: repo('dst') as never });
    await put('pending', 'Pending');
    await put('building', 'Building');
    await put('pushing', 'Pushing');
    await put('canceling', 'Canceling', { cancelCause: 'user' });
    await put('stale', 'Canceling', { cancelCause: 'timeout' });
    await put('done', 'Completed');
    await store.close();

    const runner = new InstantRunner({ name: 'r1' });
    for (const n of ['building', 'pushing', 'canceling', 'stale'])
      runner.resources.set(`uid-${n}`, { kind: 'container', id: `c-${n}`, jobId: `uid-${n}` });
    runner.resources.set('uid-someone-else', { kind: 'container', id: 'other', jobId: 'uid-someone-else' });
    const b = new ImageBuilder({ runners: [runner], store: new SqliteStore({ path }), logDir: join(dir, 'logs') });
    const report = await b.ready();
    expect(report.requeued).toEqual(['ImageBuild/pending']);
    expect(report.interrupted.sort()).toEqual(['ImageBuild/building', 'ImageBuild/pushing']);
    expect(report.finishedCancels.sort()).toEqual(['ImageBuild/canceling', 'ImageBuild/stale']);
    expect([...runner.resources.keys()]).toEqual(['uid-someone-else']); // only our interrupted jobs are cleaned
    expect(await waitForReason(b, 'ImageBuild', 'pending', ['Completed'])).toBe('Completed');
    const get = async (n: string) => b.get('ImageBuild', n);
    expect(reasonOf(await get('building'))).toBe('Failed');
    expect((await get('building')).status?.conditions?.[0]?.message).toBe(INTERRUPTED_MESSAGE);
    expect(reasonOf(await get('canceling'))).toBe('Canceled');
    expect(reasonOf(await get('stale'))).toBe('Failed');
    expect(reasonOf(await get('done'))).toBe('Completed');
    await b.close();
  });

  it('logs survive a restart and keep their line offsets', async () => {
    const dir = dirs.make('ib-recover-');
    const mk = () =>
      new ImageBuilder({
        runners: [new InstantRunner({ lines: 5 })],
        store: new SqliteStore({ path: join(dir, 'db') }),
        logDir: join(dir, 'logs'),
      });
    const b1 = mk();
    await b1.create(repo('src'));
    await b1.create(repo('dst'));
    await b1.create(build('b1'));
    await b1.create(exp('e1', 'b1'));
    await waitForReason(b1, 'ImageExport', 'e1', ['Completed']);
    const before = await collect(b1.logs('ImageBuild', 'b1'));
    await b1.close();
    const b2 = mk();
    expect(await collect(b2.logs('ImageBuild', 'b1'))).toEqual(before);
    expect(await collect(b2.logs('ImageBuild', 'b1', { from: 3, follow: true }))).toEqual(before.slice(3));
    expect(reasonOf(await b2.get('ImageExport', 'e1'))).toBe('Completed');
    await b2.close();
  });
});
