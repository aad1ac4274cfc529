import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { RegistryError } from '@imagebuild/core/errors';
import { abortError } from './transport.js';
import type { RegistryClient } from '../registry-client.js';
import { DiskWriteError, type DownloadFileArgs, type SinkState } from './download-file.js';
import type { RawHead, SlabSink } from './raw-http.js';

/**
 * One GET of the blob from `state.position` over a bare socket: each 1 MiB slab
 * is written at the current position with a synchronous `pwrite` on this thread,
 * then hashed, then reused. A page-cache write of 1 MiB is a memory copy; going
 * through the thread pool instead (fh.write) measured 1.6–3.6× the kernel time
 * (cross-core hand-off per slab) and ~2× the wall time of this. The cost: the
 * event loop is blocked for each write (sub-ms normally; longer when the kernel
 * throttles a process that dirties pages faster than the disk takes them).
 * `setTotal` learns the blob's size from the response.
 */
export async function rawAttempt(
  client: RegistryClient, a: DownloadFileArgs, fh: FileHandle, state: SinkState, setTotal: (size: number | undefined) => void, report: () => void,
): Promise<void> {
  const operation = `blob GET ${a.repository}@${a.digest}`;
  const offset = state.position;
  const sink: SlabSink = async (bytes) => {
    if (a.signal.aborted) throw abortError(a.signal);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(fh.fd, bytes, done, bytes.length - done, state.position + done);
    } catch (err) {
      throw new DiskWriteError(err);
    }
    state.hash.update(bytes);
    state.position += bytes.length;
    report();
  };
  const onHead = (h: RawHead): SlabSink => {
    const length = h.headers['content-length'] !== undefined ? Number(h.headers['content-length']) : undefined;
    if (h.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h.headers['content-range'] ?? '');
      if (!m || Number(m[1]) !== offset) {
        throw new RegistryError(client.registry, operation, `bad Content-Range ${JSON.stringify(h.headers['content-range'])} for range from ${offset}`);
      }
      if (m[3] !== '*') setTotal(Number(m[3]));
    } else {
      if (offset > 0) {
        // Range ignored: start over (the file's tail is truncated once the download completes).
        state.position = 0;
        state.hash = createHash('sha256');
      }
      setTotal(length);
    }
    report();
    return sink;
  };
  try {
    await client.transport.getRaw({
      path: `/v2/${a.repository}/blobs/${a.digest}`, scope: `repository:${a.repository}:pull`, operation,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal: a.signal,
    }, onHead);
  } catch (err) {
    // A partial file that already holds the whole blob (an earlier run stopped before the rename).
    if (!(err instanceof RegistryError && err.status === 416 && offset > 0)) throw err;
    const size = await client.headBlob(a.repository, a.digest, { signal: a.signal });
    if (size !== offset) throw err;
    setTotal(size);
  }
  if (a.signal.aborted) throw abortError(a.signal);
}
