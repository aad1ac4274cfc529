import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { WAL_CHECKPOINT_WORKER_SOURCE, type WalCheckpointWorkerData } from './wal-checkpoint-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-walworker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL_CHECKPOINT_WORKER_SOURCE', () => {
  it('is walCheckpointWorkerMain, self-contained: it runs from the source alone with the driver it is given', async () => {
    // A stand-in driver that records its pragmas and fails the checkpoint.
    const driver = join(dir, 'driver.cjs');
    writeFileSync(
      driver,
      `module.exports = class { constructor(p) { this.p = p; }
        pragma(s) { if (s.startsWith('wal_checkpoint')) throw new Error('busy: ' + this.p + ' ' + s); }
        close() {} };`,
    );
    const workerData: WalCheckpointWorkerData = { driver, path: 'db.sqlite', intervalMs: 60_000 };
    const w = new Worker(WAL_CHECKPOINT_WORKER_SOURCE, { eval: true, workerData });
    const reported = new Promise<unknown>((resolve, reject) => {
      w.once('error', reject);
      w.once('message', resolve);
    });
    w.postMessage('now');
    expect(await reported).toEqual({ error: 'busy: db.sqlite wal_checkpoint(PASSIVE)' });
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    w.postMessage('stop');
    expect(await exited).toBe(0);
  });
});
