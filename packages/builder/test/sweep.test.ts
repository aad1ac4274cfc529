import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageBuilder } from '../src/index.js';
import { hostKey } from '../src/internal/job-owner.js';
import { InstantRunner } from './instant-runner.js';
import { build, repo } from './fixtures.js';
import { waitForReason } from './helpers.js';

const made: string[] = [];
afterEach(() => {
  for (const p of made.splice(0)) rmSync(p, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}
const jobOf = (pid: number, host = hostKey(), thread = threadId) => `${randomUUID()}.h${host}-p${pid}-t${thread}`;
function folder(name: string): string {
  const p = join(tmpdir(), name);
  mkdirSync(p);
  made.push(p);
  return p;
}

describe('the start-up sweep', () => {
  it("removes what dead processes' jobs left, and leaves live, foreign and unknown jobs alone", async () => {
    const dead = deadPid();
    const runner = new InstantRunner();
    const ids = {
      dead: jobOf(dead),
      live: jobOf(process.ppid),
      otherHost: jobOf(dead, '0badc0de'),
      mineIdle: jobOf(process.pid),
      otherThread: jobOf(process.pid, hostKey(), threadId + 1000),
      notOurs: 'build-42',
    };
    for (const id of Object.values(ids)) runner.resources.set(id, { kind: 'container', id: `c-${id}`, jobId: id });
    const folders = {
      deadExport: folder(`imagebuild-export-${ids.dead}-AbC123`),
      deadSecret: folder(`imagebuild-secret-${ids.dead}-xYz789`),
      deadLogs: folder(`imagebuild-logs-h${hostKey()}-p${dead}-t0-Qw3rTy`),
      liveExport: folder(`imagebuild-export-${ids.live}-AbC123`),
      liveLogs: folder(`imagebuild-logs-h${hostKey()}-p${process.ppid}-t0-Qw3rTy`),
      foreignExport: folder(`imagebuild-export-${ids.otherHost}-AbC123`),
      plain: folder(`imagebuild-export-build-42-AbC123`),
    };
    const b = new ImageBuilder({ runners: [runner], handleSignals: false });
    try {
      const report = await b.ready();
      expect([...runner.resources.keys()].sort()).toEqual(
        [ids.live, ids.otherHost, ids.otherThread, ids.notOurs].sort(),
      );
      expect(report.sweep?.runners[0]?.report?.removed.map((r) => r.jobId).sort()).toEqual(
        [ids.dead, ids.mineIdle].sort(),
      );
      expect(existsSync(folders.deadExport)).toBe(false);
      expect(existsSync(folders.deadSecret)).toBe(false);
      expect(existsSync(folders.deadLogs)).toBe(false);
      for (const kept of [folders.liveExport, folders.liveLogs, folders.foreignExport, folders.plain])
        expect(existsSync(kept)).toBe(true);
      expect(report.sweep?.folders.sort()).toEqual([folders.deadExport, folders.deadSecret, folders.deadLogs].sort());
    } finally {
      await b.close();
    }
  });

  it('never touches a job another builder of this process is running', async () => {
    const runner = new InstantRunner({ behaviour: () => 'hang' });
    const first = new ImageBuilder({ runners: [runner], handleSignals: false });
    try {
      await first.create(repo('src'));
      await first.create(repo('dst'));
      await first.create(build('b1'));
      await waitForReason(first, 'ImageBuild', 'b1', ['Building', 'Pushing']);
      while (runner.resources.size === 0) await new Promise((r) => setTimeout(r, 5));
      const running = [...runner.resources.keys()];
      const second = new ImageBuilder({ runners: [runner], handleSignals: false });
      const report = await second.ready();
      await second.close();
      expect(report.sweep?.runners[0]?.report).toBeUndefined();
      expect([...runner.resources.keys()]).toEqual(running);
      expect(runner.calls[0]?.jobId).toMatch(new RegExp(`\\.h${hostKey()}-p${process.pid}-t${threadId}$`));
    } finally {
      await first.close();
    }
  });

  it('is skipped with cleanupOnStart: false', async () => {
    const runner = new InstantRunner();
    const id = jobOf(deadPid());
    runner.resources.set(id, { kind: 'container', id: `c-${id}`, jobId: id });
    const b = new ImageBuilder({ runners: [runner], handleSignals: false, cleanupOnStart: false });
    const report = await b.ready();
    await b.close();
    expect(report.sweep).toBeUndefined();
    expect(runner.resources.has(id)).toBe(true);
  });
});
