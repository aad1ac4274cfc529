import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
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
  conn: EngineConnection,
  volume: string,
  path: string,
  marker: string,
  signal: AbortSignal,
): Promise<OutputStream | undefined> {
  if (!conn.info.endpoint.startsWith('unix://')) return undefined;
  try {
    const v = await conn.json<{ Mountpoint?: string }>({
      method: 'GET',
      path: conn.compat(`/volumes/${encodeURIComponent(volume)}`),
      signal,
    });
    const dir = v?.Mountpoint;
    if (!dir) return undefined;
    const seen = await readFile(join(dir, MARKER_FILE), { encoding: 'utf8', signal });
    if (seen !== marker) return undefined;
    const file = join(dir, path);
    const st = await stat(file);
    if (!st.isFile()) return undefined;
    return { stream: createReadStream(file, { highWaterMark: 1024 * 1024, signal }), size: st.size };
  } catch {
    return undefined;
  }
}
