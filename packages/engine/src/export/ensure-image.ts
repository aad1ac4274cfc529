import { EngineError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import type { EngineConnection } from '../connection/engine-connection.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';

async function imageId(conn: EngineConnection, image: string, signal: AbortSignal): Promise<string | undefined> {
  const res = await conn.json<{ Id?: string }>({
    method: 'GET',
    path: conn.compat(`/images/${encodeURIComponent(image)}/json`),
    ok: [200, 404],
    signal,
  });
  return res?.Id || undefined;
}

async function pull(conn: EngineConnection, image: string, signal: AbortSignal): Promise<void> {
  const res = await conn.stream({
    method: 'POST',
    path: conn.compat('/images/create'),
    query: { fromImage: image },
    signal,
  });
  for await (const msg of jsonMessages(res)) {
    const error = inBandError(msg);
    if (error) throw new EngineError(conn.name, `pull of converter image ${image} failed: ${error}`);
  }
  throwIfAborted(signal);
}

/**
 * Makes the converter image present, with pull policy `newer` (as upstream runs it): a digest
 * reference, or a `localhost/` one, is pulled only when missing; a tag is pulled every time (the
 * engine fetches only what changed), and when the registry cannot be reached the local image is used,
 * said in the log.
 * Returns the image id (its config digest), part of the export's reuse key.
 */
export async function ensureConverterImage(
  conn: EngineConnection,
  image: string,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<string> {
  const local = await imageId(conn, image, signal);
  // `localhost/…` (no port) names an image built on the engine, which no registry serves
  if (local && (image.includes('@') || image.startsWith('localhost/'))) return local;
  log(local ? `refreshing converter image ${image} (pull policy newer)` : `pulling converter image ${image}`);
  try {
    await pull(conn, image, signal);
  } catch (err) {
    if (!local || signal.aborted) throw err;
    log(
      `could not refresh converter image ${image} (${err instanceof Error ? err.message : String(err)}); using the local ${local}`,
    );
    return local;
  }
  const id = await imageId(conn, image, signal);
  if (!id) throw new EngineError(conn.name, `converter image ${image} is not on the engine after its pull`);
  if (local && local !== id) log(`converter image ${image} updated: ${local} → ${id}`);
  return id;
}
