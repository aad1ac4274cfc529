import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, NotFoundError } from '@imagebuild/core';
import { ImageBuilder, type WatchEvent } from '../src/index.js';
import { InstantRunner } from './instant-runner.js';
import { build, repo } from './fixtures.js';
import { collect, waitForReason } from './helpers.js';

let b: ImageBuilder;
afterEach(async () => b?.close());

describe('logs', () => {
  it('a finished job returns its whole log, from disk, even beyond the in-memory tail', async () => {
    b = new ImageBuilder({ runners: [new InstantRunner({ lines: 50 })], logTailLines: 10 });
    await b.create(repo('src'));
    await b.create(repo('dst'));
    await b.create(build('b1'));
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    const lines = await collect(b.logs('ImageBuild', 'b1'));
    expect(lines.filter((l) => /^(Building|Pushing) b1 step/.test(l))).toHaveLength(100);
    expect(lines[0]).toMatch(/\[builder\] ImageBuild b1 started on runner instant/);
    expect(lines.at(-1)).toMatch(/completed/);
    const onDisk = readFileSync(join(b.logDir, 'ImageBuild.b1.log'), 'utf8').trimEnd().split('\n');
    expect(onDisk).toEqual(lines);
    const tail = await collect(b.logs('ImageBuild', 'b1', { from: 98 }));
    expect(tail).toEqual(lines.slice(98));
    await expect(collect(b.logs('ImageBuild', 'nope'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('follow streams a running job until it ends; resuming with from gives no duplicates and no gaps', async () => {
    const runner = new InstantRunner({ behaviour: () => 'hang' });
    b = new ImageBuilder({ runners: [runner], logTailLines: 4 });
    await b.create(repo('src'));
    await b.create(repo('dst'));
    await b.create(build('b1'));
    const first: string[] = [];
    for await (const line of b.logs('ImageBuild', 'b1', { follow: true })) {
      first.push(line);
      if (first.length === 12) break; // a client disconnects mid-stream
    }
    setTimeout(() => void b.cancel('ImageBuild', 'b1'), 60);
    const rest = await collect(b.logs('ImageBuild', 'b1', { follow: true, from: first.length }));
    const all = await collect(b.logs('ImageBuild', 'b1'));
    expect([...first, ...rest]).toEqual(all);
    expect(all.at(-1)).toMatch(/canceled: Build cancellation requested/);
    expect(all.filter((l) => l.startsWith('still working')).length).toBeGreaterThan(5);
  });

  it('redacts registered credentials in log lines', async () => {
    const runner = new InstantRunner();
    b = new ImageBuilder({ runners: [runner] });
    await b.create(repo('src'));
    await b.create(repo('dst', { ociAuth: { authType: 'docker', username: 'u', password: 'p4ssw0rd-xyz' } }));
    const orig = runner.build.bind(runner);
    runner.build = (ib, repos, o) => {
      const op = orig(ib, repos, o);
      setImmediate(() => op.emit('log', `login with p4ssw0rd-xyz`));
      return op;
    };
    await b.create({ ...build('b1'), spec: { ...build('b1').spec } });
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    const text = (await collect(b.logs('ImageBuild', 'b1'))).join('\n');
    expect(text).not.toContain('p4ssw0rd-xyz');
  });
});

describe('watch', () => {
  it('yields created, phase and deleted events in order, filtered by kind and name', async () => {
    b = new ImageBuilder({ runners: [new InstantRunner()] });
    await b.create(repo('src'));
    await b.create(repo('dst'));
    const w = b.watch({ kind: 'ImageBuild', name: 'b1' });
    await b.create(build('b0'));
    await b.create(build('b1'));
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    await b.delete('ImageBuild', 'b1');
    const seen: WatchEvent[] = [];
    for await (const ev of w) {
      seen.push(ev);
      if (ev.type === 'deleted') break;
    }
    expect(seen.map((e) => (e.type === 'phase' ? `${e.from}>${e.phase}` : e.type))).toEqual([
      'created',
      'Pending>Building',
      'Building>Pushing',
      'Pushing>Completed',
      'deleted',
    ]);
    expect(seen.every((e) => e.name === 'b1')).toBe(true);
  });

  it('ends with AbortError when its signal aborts, and fails a consumer that falls behind', async () => {
    b = new ImageBuilder({ runners: [new InstantRunner()] });
    const ac = new AbortController();
    const w = b.watch({ signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(w.next()).rejects.toBeInstanceOf(AbortError);
    const slow = b.watch({ maxBuffered: 2 });
    await b.create(repo('a'));
    await b.create(repo('bb'));
    await b.create(repo('c'));
    await expect(collect(slow)).rejects.toThrow(/fell behind/);
  });
});

describe('watch delivery', () => {
  it('hands an event straight to a waiting consumer, and ends a waiting consumer on close', async () => {
    b = new ImageBuilder({ runners: [new InstantRunner()] });
    const w = b.watch({ kind: 'Repository' });
    const pending = w.next();
    await b.create(repo('r1'));
    const first = await pending;
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ type: 'created', kind: 'Repository', name: 'r1' });
    const waiting = w.next();
    await b.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });
});
