import { EngineError, throwIfAborted } from '@imagebuild/core';
import type { EngineConnection } from '../connection/engine-connection.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';

/** Pulls `image` unless the engine already has it (the converter image). */
export async function ensureImage(
  conn: EngineConnection,
  image: string,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const present = await conn.stream({
    method: 'GET',
    path: conn.compat(`/images/${encodeURIComponent(image)}/json`),
    ok: [200, 404],
    signal,
  });
  present.resume();
  if (present.statusCode === 200) return;
  log(`pulling converter image ${image}`);
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
