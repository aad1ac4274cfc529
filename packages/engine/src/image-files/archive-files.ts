import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, SbomError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import { trimTrailingSlashes } from '@imagebuild/core/resources';
import { RUNNER_JOB_LABEL, type ImageFileEntry, type ImageFileReader } from '@imagebuild/core/runner';
import { extract, type Header } from 'tar-stream';
import { createBound, removeContainer } from '../cleanup/job-resources.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import { readText } from '../internal/dial.js';

/** At most this many archive entries per read (a directory read is for a few files, not a tree). */
const MAX_ENTRIES = 100_000;

/** Read access to an image's files through a created, never started container; `close()` removes it. */
export interface ImageFiles {
  /** Reads paths of the image through the container. */
  readonly reader: ImageFileReader;
  /** Removes the container, if one was created. */
  close(): Promise<void>;
}

/**
 * Opens an image's filesystem through the engine's archive API (`GET /containers/{id}/archive`): one
 * container is created from `image` (labelled with the job id, never started) on the first read and
 * removed by `close()`. Only the paths asked for are transferred. Works the same on podman and dockerd
 * (podman follows a final symlink, dockerd returns the link: both are reported as they come).
 */
export function openImageFiles(conn: EngineConnection, image: string, jobId: string): ImageFiles {
  let container: Promise<string> | undefined;
  // Not aborted with the read (`createBound`: close() must know the id); the read checks its signal after.
  const create = (): Promise<string> => {
    container ??= conn
      .json<{ Id?: string }>({
        method: 'POST',
        path: conn.compat('/containers/create'),
        // Entrypoint/Cmd are never run; they only satisfy engines that need one for an image without Cmd.
        json: { Image: image, Entrypoint: ['/nonexistent'], Cmd: [], Labels: { [RUNNER_JOB_LABEL]: jobId } },
        ok: [201],
        signal: createBound(),
      })
      .then((r) => {
        if (!r?.Id) throw new EngineError(conn.name, 'container create returned no id');
        return r.Id;
      });
    return container;
  };
  // The image is immutable and the container never runs: a read's result is reused (prefetching).
  const cache = new Map<string, Promise<ImageFileEntry[] | undefined>>();
  return {
    reader: {
      read(path, options) {
        const key = `${options.maxBytes}\0${path}`;
        let p = cache.get(key);
        if (!p) {
          p = read(path, options);
          cache.set(key, p);
          p.catch(() => cache.delete(key));
        }
        return p;
      },
    },
    async close() {
      cache.clear();
      const c = container;
      container = undefined;
      if (!c) return;
      // a container that failed to be created has nothing to remove
      const id = await c.catch(() => undefined);
      if (id) await removeContainer(conn, id, AbortSignal.timeout(20_000));
    },
  };

  async function read(
    path: string,
    { maxBytes, signal }: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<ImageFileEntry[] | undefined> {
    if (!path.startsWith('/') || posix.normalize(path) !== path || path === '/')
      throw new SbomError(`image path must be absolute and normalised: ${JSON.stringify(path)}`);
    const id = await create();
    throwIfAborted(signal);
    const res = await conn.stream({
      method: 'GET',
      path: conn.compat(`/containers/${id}/archive`),
      query: { path },
      ok: [200, 404],
      signal,
    });
    if (res.statusCode === 404) {
      // draining an error body; the missing file is the answer
      await readText(res).catch(() => undefined);
      return undefined;
    }
    return untar(res, posix.dirname(path), path, maxBytes, signal);
  }
}

/** Collects an archive's entries in memory, stopping as soon as more than `maxBytes` of file data would be kept. */
async function untar(
  body: Readable,
  parent: string,
  asked: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<ImageFileEntry[]> {
  const out: ImageFileEntry[] = [];
  let budget = maxBytes;
  const tar = extract();
  body.on('error', (err) => tar.destroy(err));
  body.pipe(tar);
  try {
    for await (const entry of tar) {
      throwIfAborted(signal);
      const h: Header = entry.header;
      const name = trimTrailingSlashes(h.name);
      const path = posix.join(parent, name);
      if (out.length >= MAX_ENTRIES) throw new SbomError(`reading ${asked}: more than ${MAX_ENTRIES} entries`);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        budget -= h.size ?? 0;
        if (budget < 0) throw new SbomError(`reading ${asked}: more than ${maxBytes} bytes`);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        out.push({ path, type: 'file', data: Buffer.concat(chunks) });
        continue;
      }
      entry.resume();
      if (h.type === 'directory') out.push({ path, type: 'directory' });
      else if (h.type === 'symlink') out.push({ path, type: 'symlink', linkTarget: h.linkname ?? undefined });
      else out.push({ path, type: 'other' });
    }
  } finally {
    body.unpipe(tar);
    body.destroy();
  }
  return out;
}
