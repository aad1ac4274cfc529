/**
 * Child-process side of the malicious-server cases: one client call against HOSTILE_URL, measured.
 * Usage (by runCase): node … client-cases.ts <case>.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageBuilderClient } from '@imagebuild/client';
import { CANARY, describeError, measure } from './child.js';

const url = process.env.HOSTILE_URL ?? '';
const client = new ImageBuilderClient({ baseUrl: url, token: `tok-${CANARY}`, retry: { retries: 0 } });

async function expectFailure(run: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run();
    return { resolved: true };
  } catch (err) {
    return describeError(err);
  }
}

/** Reads a stream slower than the socket delivers it (the undici 7 assertion's trigger). */
async function slowDownload(): Promise<Record<string, unknown>> {
  const session = await client.imageExports.download('e');
  let n = 0;
  for await (const _ of session.chunks) {
    if (++n % 16 === 0) await sleep(2);
    else await new Promise((r) => setImmediate(r));
  }
  return { bytes: session.completed?.bytes, digest: session.completed?.digest };
}

/** downloadToFile against the same server: the file path of the SDK, not only the session API. */
async function slowFileDownload(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'ib-hostile-'));
  try {
    const r = await client.imageExports.downloadToFile('e', join(dir, 'disk.qcow2'));
    return { bytes: r.bytes, digest: r.digest };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Aborts a stream after garbage collections happened while it was open. */
async function abortAfterGc(open: (signal: AbortSignal) => AsyncIterable<unknown>): Promise<Record<string, unknown>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const ac = new AbortController();
  let items = 0;
  let abortedAt = 0;
  const run = (async () => {
    for await (const _ of open(ac.signal)) {
      items++;
      if (items === 3) {
        gc();
        await sleep(50);
        gc();
        setTimeout(() => {
          abortedAt = Date.now();
          ac.abort();
        }, 200);
      }
    }
  })();
  const outcome = await Promise.race([
    run.then(
      () => ({ ended: 'normally' }),
      (err: unknown) => describeError(err),
    ),
    sleep(8000, undefined, { ref: false }).then(() => ({ ended: 'never' })),
  ]);
  return { ...outcome, afterAbortMs: abortedAt ? Date.now() - abortedAt : undefined, items };
}

const CASES: Record<string, () => Promise<Record<string, unknown>>> = {
  'json-flood': () => expectFailure(() => client.imageBuilds.get('b')),
  'error-flood': () => expectFailure(() => client.imageBuilds.get('b')),
  'gzip-bomb': () => expectFailure(() => client.imageBuilds.get('b')),
  'sse-no-newline': () =>
    expectFailure(async () => {
      for await (const _ of client.imageBuilds.followLogs('b', { maxReconnects: 0 })) {
        // a line would be a failure of the bound
      }
    }),
  'slow-reader-close': slowDownload,
  'slow-reader-close-gzip': slowDownload,
  'slow-reader-close-file': slowFileDownload,
  'gc-abort-follow': () => abortAfterGc((signal) => client.imageBuilds.followLogs('b', { signal, maxReconnects: 0 })),
  'gc-abort-download': () =>
    abortAfterGc((signal) => ({
      async *[Symbol.asyncIterator]() {
        const session = await client.imageExports.download('e', { signal, maxResumes: 0 });
        yield* session.chunks;
      },
    })),
};

const name = process.argv[2] ?? '';
const body = CASES[name];
if (!body) throw new Error(`unknown case ${name}`);
await measure(name, body);
// The result is out; a close that hangs on a stuck connection is not what these cases measure.
await Promise.race([client.close(), sleep(2000, undefined, { ref: false })]);
process.exit(0);
