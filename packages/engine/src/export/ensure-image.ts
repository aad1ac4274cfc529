import { EngineError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import type { EngineConnection } from '../connection/engine-connection.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';

async function inspectImage(
  conn: EngineConnection,
  image: string,
  signal: AbortSignal,
): Promise<{ id: string; repoDigests: string[] } | undefined> {
  const res = await conn.json<{ Id?: string; RepoDigests?: string[] | null }>({
    method: 'GET',
    path: conn.compat(`/images/${encodeURIComponent(image)}/json`),
    ok: [200, 404],
    signal,
  });
  return res?.Id ? { id: res.Id, repoDigests: res.RepoDigests ?? [] } : undefined;
}

async function imageId(conn: EngineConnection, image: string, signal: AbortSignal): Promise<string | undefined> {
  return (await inspectImage(conn, image, signal))?.id;
}

/** `registry/path` of a tag reference (`registry/path:tag` → `registry/path`). */
function repositoryOf(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
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
 * reference, or a `localhost/` one, is pulled only when missing; a tag is pulled unless the engine
 * already holds the digest the registry serves for it (`registryDigest`, asked by the caller in
 * parallel when a Repository covers that registry: one HEAD instead of the engine's pull round
 * trips), and when the registry cannot be reached the local image is used, said in the log.
 * Returns the image id (its config digest), part of the export's reuse key.
 */
export async function ensureConverterImage(
  conn: EngineConnection,
  image: string,
  log: (line: string) => void,
  signal: AbortSignal,
  registryDigest?: Promise<string | undefined>,
): Promise<string> {
  const [found, served] = await Promise.all([
    inspectImage(conn, image, signal),
    registryDigest?.catch(() => undefined),
  ]);
  const local = found?.id;
  // `localhost/…` (no port) names an image built on the engine, which no registry serves
  if (local && (image.includes('@') || image.startsWith('localhost/'))) return local;
  if (local && served && found.repoDigests.includes(`${repositoryOf(image)}@${served}`)) {
    log(`converter image ${image} is up to date (${served}, pull policy newer)`);
    return local;
  }
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
