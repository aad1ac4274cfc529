import { constants, createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineConnection } from '../connection/engine-connection.js';
import { MARKER_FILE } from './converter-script.js';
import type { OutputStream } from './output-archive.js';

/**
 * The local fast path: an engine on a unix socket usually keeps its volumes on this host, where the
 * output file can be read straight from the volume's mount point, without the archive API (podman
 * mounts a stopped container and runs its copier for it: seconds). Used only when the volume's mount
 * point holds this export's marker (so it is this very volume, not a same-named path elsewhere) and
 * the output is a regular file; otherwise undefined (the archive API then reads it).
 */
export async function localOutput(
  dir: string | undefined,
  path: string,
  marker: string,
  signal: AbortSignal,
): Promise<OutputStream | undefined> {
  if (!dir) return undefined;
  try {
    const seen = await readFile(join(dir, MARKER_FILE), { encoding: 'utf8', signal });
    if (seen !== marker) return undefined;
    const file = join(dir, path);
    const st = await stat(file);
    if (!st.isFile()) return undefined;
    return { stream: createReadStream(file, { highWaterMark: 1024 * 1024, signal }), size: st.size };
  } catch {
    // not readable from here (another host's path, permissions): the archive API reads it
    return undefined;
  }
}

/**
 * The mount point of an engine volume when the engine is on a unix socket and the directory is
 * readable from this process; undefined otherwise (a remote engine, a rootless engine's private path).
 */
export async function localVolumeDir(
  conn: EngineConnection,
  volume: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!conn.info.endpoint.startsWith('unix://')) return undefined;
  try {
    const v = await conn.json<{ Mountpoint?: string }>({
      method: 'GET',
      path: conn.compat(`/volumes/${encodeURIComponent(volume)}`),
      signal,
    });
    const dir = v?.Mountpoint;
    if (!dir) return undefined;
    await access(dir, constants.R_OK | constants.X_OK);
    return dir;
  } catch {
    // no answer or no access: the engine API alone is used
    return undefined;
  }
}
