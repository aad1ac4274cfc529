import type { IncomingMessage } from 'node:http';
import { extract } from 'tar-stream';
import { EngineError } from '@imagebuild/core/errors';
import type { EngineConnection } from '../connection/engine-connection.js';

const SMALL_FILE_MAX = 64 * 1024 * 1024;

/** A converter output read out of the engine as it is produced by the archive API. */
export interface OutputStream {
  stream: AsyncIterable<Uint8Array>;
  /** Bytes of a file output (its tar header); undefined for a directory (pushed as the engine's tar). */
  size: number | undefined;
}

async function archive(
  conn: EngineConnection,
  id: string,
  path: string,
  signal: AbortSignal,
): Promise<IncomingMessage | undefined> {
  const res = await conn.stream({
    method: 'GET',
    path: conn.compat(`/containers/${id}/archive`),
    query: { path },
    ok: [200, 404],
    signal,
  });
  if (res.statusCode === 404) {
    res.resume();
    return undefined;
  }
  return res;
}

/**
 * Opens `path` of the (stopped) container for reading, through the engine's archive API: no host
 * directory is shared, so the engine may be remote. A file is unpacked from the tar on the fly (only
 * its bytes are yielded; tar-stream checks they are all there); a directory is the engine's tar
 * itself. Undefined when the path does not exist.
 */
export async function openOutput(
  conn: EngineConnection,
  id: string,
  path: string,
  directory: boolean,
  signal: AbortSignal,
): Promise<OutputStream | undefined> {
  const found = await archive(conn, id, path, signal);
  if (!found) return undefined;
  const res = found;
  if (directory) return { stream: res, size: undefined };
  const ex = extract();
  res.on('error', (e) => ex.destroy(e));
  res.pipe(ex);
  const entries = ex[Symbol.asyncIterator]();
  const first = await entries.next();
  if (first.done || first.value.header.type !== 'file') {
    res.destroy();
    ex.destroy();
    throw new EngineError(conn.name, `${path} in the converter container is not a file`);
  }
  const entry = first.value;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of entry) yield chunk as Uint8Array;
      // the end-of-archive blocks: the engine finished the tar
      await entries.next();
    } finally {
      res.destroy();
    }
  }
  return { stream: bytes(), size: first.value.header.size ?? undefined };
}

/** A small file of the container (≤ 64 MiB) as text; undefined when missing or too large. */
export async function readSmallFile(
  conn: EngineConnection,
  id: string,
  path: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const out = await openOutput(conn, id, path, false, signal);
  if (!out) return undefined;
  if ((out.size ?? 0) > SMALL_FILE_MAX) {
    for await (const _ of out.stream) break;
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const c of out.stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
