import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { AbortError } from '@imagebuild/core';
import { RuntimeNotFoundError } from '@imagebuild/core/errors';
import { ImageBuilder, type ImageBuilderOptions } from '../src/index.js';
import { InstantRunner } from './instant-runner.js';
import { build, exp, repo } from './fixtures.js';
import { collect, waitForReason } from './helpers.js';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());
let b: ImageBuilder | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

const notFound = (): Error =>
  new RuntimeNotFoundError([
    { strategy: 'container-host', reason: 'CONTAINER_HOST not set' },
    { strategy: 'podman-rootful', target: '/run/podman/podman.sock', reason: 'socket does not exist' },
  ]);

async function setup(runners: InstantRunner[], opts: Partial<ImageBuilderOptions> = {}): Promise<ImageBuilder> {
  b = new ImageBuilder({ runners, handleSignals: false, ...opts });
  await b.create(repo('src'));
  await b.create(repo('dst'));
  return b;
}

const readyMessage = async (builder: ImageBuilder, kind: 'ImageBuild' | 'ImageExport', name: string) =>
  (await builder.get(kind, name)).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';

async function waitForMessage(builder: ImageBuilder, name: string, part: string): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const m = await readyMessage(builder, 'ImageBuild', name);
    if (m.includes(part) || Date.now() > until) return m;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ready()', () => {
  it('resolves when a runner reaches its engine, even if another does not', async () => {
    const builder = await setup([
      new InstantRunner({ name: 'gone', down: () => true, downError: notFound }),
      new InstantRunner({ name: 'up' }),
    ]);
    const report = await builder.ready();
    expect(report.requeued).toEqual([]);
  });

  it("rejects with RuntimeNotFoundError carrying every runner's discovery report", async () => {
    const builder = await setup([
      new InstantRunner({ name: 'podman', down: () => true, downError: notFound }),
      new InstantRunner({ name: 'docker', down: () => true }),
    ]);
    const err = await builder.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeNotFoundError);
    const message = (err as Error).message;
    expect(message).toContain('podman: container-host: CONTAINER_HOST not set');
    expect(message).toContain('podman: podman-rootful (/run/podman/podman.sock): socket does not exist');
    expect(message).toContain('docker: ');
    expect(message).toContain('engine is down');
    expect((err as RuntimeNotFoundError).attempts).toHaveLength(3);
  });

  it('rejects with AbortError when its signal fires', async () => {
    const builder = await setup([new InstantRunner({ name: 'up' })]);
    const err = await builder.ready({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });
});

describe('a job no runner can take', () => {
  it('says why at once, then fails after placementTimeoutMs with the report; its export fails too', async () => {
    const builder = await setup([new InstantRunner({ name: 'podman', down: () => true, downError: notFound })], {
      placementTimeoutMs: 400,
      pingRetryMs: 50,
    });
    await builder.create(build('b1'));
    await builder.create(exp('e1', 'b1'));
    const pending = await waitForMessage(builder, 'b1', 'CONTAINER_HOST not set');
    expect(pending).toContain('waiting for a runner');
    expect(pending).toContain('podman: container-host: CONTAINER_HOST not set');
    expect((await builder.get('ImageBuild', 'b1')).status?.conditions?.[0]?.reason).toBe('Pending');
    const lines = await collect(builder.logs('ImageBuild', 'b1', { follow: true }));
    expect(lines.join('\n')).toContain('no runner reached its engine within 400ms (placementTimeoutMs)');
    expect(await waitForReason(builder, 'ImageBuild', 'b1', ['Failed'])).toBe('Failed');
    const failed = await readyMessage(builder, 'ImageBuild', 'b1');
    expect(failed).toContain('CONTAINER_HOST not set');
    expect(await waitForReason(builder, 'ImageExport', 'e1', ['Failed'])).toBe('Failed');
  });

  it('runs once a runner comes back within the wait, and the waiting message goes away', async () => {
    let down = true;
    const runner = new InstantRunner({ name: 'podman', down: () => down, downError: notFound });
    const builder = await setup([runner], { placementTimeoutMs: 60_000, pingRetryMs: 20 });
    await builder.create(build('b1'));
    await waitForMessage(builder, 'b1', 'CONTAINER_HOST not set');
    down = false;
    expect(await waitForReason(builder, 'ImageBuild', 'b1', ['Completed', 'Failed'])).toBe('Completed');
    expect(await readyMessage(builder, 'ImageBuild', 'b1')).not.toContain('CONTAINER_HOST');
  });

  it('keeps the default message while runners are only busy', async () => {
    const runner = new InstantRunner({ name: 'busy', behaviour: (_k, n) => (n === 'b1' ? 'hang' : 'ok') });
    const builder = await setup([{ runner, concurrency: 1 } as never], { placementTimeoutMs: 50 });
    await builder.create(build('b1'));
    await waitForReason(builder, 'ImageBuild', 'b1', ['Building', 'Pushing']);
    await builder.create(build('b2'));
    await new Promise((r) => setTimeout(r, 150));
    expect(await readyMessage(builder, 'ImageBuild', 'b2')).toBe('ImageBuild created, waiting to be processed');
    await builder.cancel('ImageBuild', 'b1');
    expect(await waitForReason(builder, 'ImageBuild', 'b2', ['Completed'])).toBe('Completed');
  });

  it('rejects a placementTimeoutMs that is not a positive number', () => {
    expect(() => new ImageBuilder({ runners: [new InstantRunner()], placementTimeoutMs: 0 })).toThrow(
      'placementTimeoutMs must be a positive number',
    );
  });
});

describe('the log folder', () => {
  it('is removed by close() when the builder made it, and kept when it was given', async () => {
    const own = new ImageBuilder({ runners: [new InstantRunner()], handleSignals: false });
    const dir = own.logDir;
    expect(existsSync(dir)).toBe(true);
    await own.close();
    expect(existsSync(dir)).toBe(false);
    const given = dirs.make('ib-given-logs-');
    const other = new ImageBuilder({ runners: [new InstantRunner()], handleSignals: false, logDir: given });
    await other.close();
    expect(existsSync(given)).toBe(true);
  });
});
