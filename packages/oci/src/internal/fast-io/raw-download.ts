import { RegistryError } from '@imagebuild/core/errors';
import { abortError } from '../transport.js';
import type { RegistryApi } from '../registry-api.js';
import type { Transport } from '../transport.js';
import type { BlobFileDownload } from '../../types.js';
import { DiskWriteError, type SinkState } from './download-state.js';
import type { RawHead, SlabSink } from './raw-http.js';
import { DIRECT_ALIGN } from './direct-writer.js';

/**
 * One GET of the blob from `state.position` over a bare socket, read into the
 * download's shared, page-aligned slabs. Each full slab is written at its
 * position by `state.writer` (O_DIRECT on the thread pool when it can, else a
 * synchronous page-cache `pwrite`) and hashed by `state.hash` (on the hash
 * worker for large blobs) at the same time; the slab is reused once both are
 * done, while the socket fills the next ones. So receiving, writing and hashing
 * overlap, and the hash covers the bytes in file order. A failed request leaves
 * `state.position` at a multiple of DIRECT_ALIGN (unless it is the blob's end),
 * so that a resume keeps writing aligned slabs.
 * `setTotal` learns the blob's size from the response.
 */
export async function rawAttempt(
  t: Transport,
  client: RegistryApi,
  a: BlobFileDownload,
  state: SinkState,
  setTotal: (size: number | undefined) => void,
  report: () => void,
): Promise<void> {
  const operation = `blob GET ${a.repository}@${a.digest}`;
  const offset = state.position;
  const sink: SlabSink = async (bytes) => {
    if (a.signal.aborted) throw abortError(a.signal);
    const at = state.position;
    let written: Promise<void> | undefined;
    try {
      written = state.writer.write(bytes, at);
    } catch (err) {
      throw new DiskWriteError(err, at);
    }
    const hashed = state.hash.update(bytes);
    state.position += bytes.length;
    report();
    if (!written && !hashed) return;
    const writeDone = written?.catch((err: unknown) => {
      throw new DiskWriteError(err, at);
    });
    return { released: Promise.all([writeDone, hashed]).then(() => undefined) };
  };
  const onHead = (h: RawHead): SlabSink => {
    const length = h.headers['content-length'] !== undefined ? Number(h.headers['content-length']) : undefined;
    if (h.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h.headers['content-range'] ?? '');
      if (!m || Number(m[1]) !== offset) {
        throw new RegistryError(
          client.registry,
          operation,
          `bad Content-Range ${JSON.stringify(h.headers['content-range'])} for range from ${offset}`,
        );
      }
      if (m[3] !== '*') setTotal(Number(m[3]));
    } else {
      if (offset > 0) {
        // Range ignored: start over (the file's tail is truncated once the download completes).
        state.position = 0;
        state.hash.reset();
      }
      setTotal(length);
    }
    report();
    return sink;
  };
  try {
    await t.getRaw(
      {
        path: `/v2/${a.repository}/blobs/${a.digest}`,
        scope: `repository:${a.repository}:pull`,
        operation,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal: a.signal,
      },
      onHead,
      { slabs: () => state.slabs, resumeAlign: DIRECT_ALIGN },
    );
  } catch (err) {
    // A partial file that already holds the whole blob (an earlier run stopped before the rename).
    if (!(err instanceof RegistryError && err.status === 416 && offset > 0)) throw err;
    const size = await client.headBlob(a.repository, a.digest, { signal: a.signal });
    if (size !== offset) throw err;
    setTotal(size);
  }
  if (a.signal.aborted) throw abortError(a.signal);
}
