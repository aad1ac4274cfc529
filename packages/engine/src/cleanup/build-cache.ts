import type { EngineConnection } from '../connection/engine-connection.js';

interface CacheRecord {
  ID?: string;
  InUse?: boolean;
  CreatedAt?: string;
}

/** BuildKit's cache record ids come from its own alphabet; anything else is never put in a filter. */
const RECORD_ID = /^[a-z0-9]{1,64}$/;

async function records(conn: EngineConnection, signal: AbortSignal): Promise<CacheRecord[]> {
  // `type` (API 1.42) spares the engine sizing every image and volume; 1.41 ignores it and answers all.
  const df = await conn.json<{ BuildCache?: CacheRecord[] | null }>({
    method: 'GET',
    path: conn.compat('/system/df'),
    query: { type: 'build-cache' },
    signal,
  });
  return df?.BuildCache ?? [];
}

/** Ids of dockerd's BuildKit cache records now: what a build must not prune afterwards. */
export async function buildCacheIds(conn: EngineConnection, signal: AbortSignal): Promise<Set<string>> {
  return new Set((await records(conn, signal)).flatMap((r) => (r.ID ? [r.ID] : [])));
}

/**
 * Prunes the BuildKit cache records made since `before` was listed (created at or after
 * `sinceSec`, idle): a build's steps, which dockerd keeps forever unless its builder GC is
 * configured (it is off by default). Records that existed before, or are in use by a running
 * build or a kept image, stay. Returns how many were removed.
 */
export async function pruneNewBuildCache(
  conn: EngineConnection,
  before: ReadonlySet<string>,
  sinceSec: number,
  signal: AbortSignal,
): Promise<number> {
  const ids = (await records(conn, signal))
    .filter((r) => r.ID && RECORD_ID.test(r.ID) && !before.has(r.ID) && !r.InUse)
    .filter((r) => Date.parse(r.CreatedAt ?? '') / 1000 >= sinceSec)
    .map((r) => r.ID!);
  if (ids.length === 0) return 0;
  // dockerd takes one `id` value, as a regular expression: one anchored alternation of plain ids.
  const res = await conn.json<{ CachesDeleted?: string[] | null }>({
    method: 'POST',
    path: conn.compat('/build/prune'),
    query: { all: 'true', filters: JSON.stringify({ id: { [`^(${ids.join('|')})$`]: true } }) },
    signal,
  });
  return res?.CachesDeleted?.length ?? 0;
}
