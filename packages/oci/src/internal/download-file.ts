import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, RegistryError, SdkError } from '@imagebuild/core/errors';
import type { RegistryClient } from '../registry-client.js';
import { backoffDelay, sleep } from '@imagebuild/core/retry';
import { abortError, networkError } from './transport.js';
import { RequestTimeoutError } from './timeouts.js';
import { tlsFailureCode } from './tls-errors.js';
import { RawUnsupported } from './raw-http.js';
import { rawAttempt } from './raw-download.js';

export interface DownloadProgress {
  bytesDone: number;
  bytesTotal: number | undefined;
}

export interface DownloadFileArgs {
  repository: string;
  digest: string;
  /** Expected size, when known (from a descriptor). */
  size?: number | undefined;
  file: string;
  signal: AbortSignal;
  onProgress: (p: DownloadProgress) => void;
}

/** Hashes a file's first `length` bytes. */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
}

/**
 * A writable that writes each batch at the current position of an open file and
 * hashes the batch while the write runs on the thread pool (hashing overlaps the
 * disk write and the socket keeps filling the next batch). The hash covers
 * exactly the bytes on disk unless a write fails, which is not retried: the
 * next download rehashes the partial file from disk.
 */
function fileSink(fh: FileHandle, state: SinkState, onWritten: () => void): Writable {
  const writeAll = async (chunks: Buffer[]): Promise<void> => {
    const pending = fh.writev(chunks, state.position);
    let total = 0;
    for (const c of chunks) {
      state.hash.update(c);
      total += c.length;
    }
    let { bytesWritten } = await pending;
    state.position += bytesWritten;
    if (bytesWritten < total) {
      // Short write (rare): write the rest, already hashed.
      let rest = Buffer.concat(chunks).subarray(bytesWritten);
      while (rest.length > 0) {
        const r = await fh.write(rest, 0, rest.length, state.position);
        state.position += r.bytesWritten;
        rest = rest.subarray(r.bytesWritten);
      }
    }
    onWritten();
  };
  return new Writable({
    highWaterMark: SINK_HWM,
    writev(chunks, cb) {
      const p = writeAll(chunks.map((c) => c.chunk as Buffer));
      state.inflight = p.catch(() => undefined);
      p.then(() => cb(), (err: unknown) => cb(new DiskWriteError(err)));
    },
  });
}

export interface SinkState {
  position: number;
  hash: Hash;
  /** The write in progress: settled before a resume reads `position`. */
  inflight: Promise<void>;
}

const SINK_HWM = 1024 * 1024;

/** A failed write to the partial file: not a network error, never retried. */
export class DiskWriteError extends Error {
  constructor(cause: unknown) {
    super(`cannot write the partial file: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Streams a blob into `<file>.partial`, hashing what reaches the disk, resuming
 * with `Range` after interruptions (and from a partial left by an earlier run),
 * and renames it to `file` only once the digest matches. A failed download keeps
 * its partial file; a digest mismatch removes it.
 */
export async function downloadToFile(client: RegistryClient, a: DownloadFileArgs): Promise<{ size: number }> {
  const partial = `${a.file}.partial`;
  const existing = await stat(partial).then((s) => s.size, () => 0);
  const state: SinkState = { position: existing, hash: createHash('sha256'), inflight: Promise.resolve() };
  if (a.size !== undefined && existing > a.size) state.position = 0;
  const fh = await open(partial, state.position > 0 ? 'r+' : 'w');
  let total = a.size;
  try {
    if (state.position > 0) await hashPrefix(partial, state.position, state.hash);
    else await fh.truncate(0);
    const report = (): void => a.onProgress({ bytesDone: state.position, bytesTotal: total });
    let failures = 0;
    while (total === undefined || state.position < total) {
      const before = state.position;
      try {
        let raw = client.transport.rawBlobs;
        if (raw) {
          try {
            await rawAttempt(client, a, fh, state, (n) => { total ??= n; }, report);
          } catch (err) {
            if (!(err instanceof RawUnsupported)) throw err;
            raw = false; // e.g. a chunked body: this attempt goes through undici
          }
        }
        if (!raw) {
          const res = await client.getBlob(a.repository, a.digest, { offset: state.position, signal: a.signal });
          if (res.offset !== state.position) {
            // Range ignored: start over.
            state.position = 0;
            state.hash = createHash('sha256');
            await fh.truncate(0);
          }
          total ??= res.totalSize;
          report();
          await pipeline(res.body, fileSink(fh, state, report), { signal: a.signal });
        }
        if (total === undefined) total = state.position;
        if (state.position !== total) throw new RegistryError(client.registry, `blob GET ${a.repository}@${a.digest}`, `body ended at ${state.position} of ${total} bytes`);
      } catch (err) {
        await state.inflight; // the position and hash include a batch only once it is on disk
        if (a.signal.aborted) throw abortError(a.signal, err);
        if (err instanceof DiskWriteError) throw new SdkError('INTERNAL', `blob GET ${a.repository}@${a.digest}: ${err.message}`, { cause: err.cause, details: { file: partial } });
        if (err instanceof SdkError && !(err instanceof RegistryError && (err.status === undefined || err.status >= 500))) throw err;
        if (tlsFailureCode(err)) throw err;
        failures = state.position > before ? 1 : failures + 1;
        if (failures >= client.transport.retry.attempts && err instanceof RequestTimeoutError) throw networkError(client.registry, `blob GET ${a.repository}@${a.digest}`, err);
        if (failures >= client.transport.retry.attempts) throw err instanceof SdkError ? err : new RegistryError(client.registry, `blob GET ${a.repository}@${a.digest}`, `download interrupted: ${(err as Error).message}`, { cause: err });
        await sleep(backoffDelay(client.transport.retry, failures), a.signal).catch((e: unknown) => { throw abortError(a.signal, e); });
      }
    }
    await fh.truncate(state.position); // a restarted download may leave an older, longer tail
  } finally {
    await fh.close();
  }
  const actual = `sha256:${state.hash.digest('hex')}`;
  if (actual !== a.digest) {
    await rm(partial, { force: true });
    throw new DigestMismatchError(a.digest, actual, { details: { registry: client.registry, repository: a.repository } });
  }
  await rename(partial, a.file);
  return { size: state.position };
}
