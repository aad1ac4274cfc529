import { RUNNER_JOB_LABEL, type CleanupReport, type RunnerResource } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';

interface Listed {
  Id: string;
  Labels?: Record<string, string> | null;
}

/** Containers, images and volumes (an export's) carrying the job label (one job, or all jobs). */
export async function listJobResources(
  conn: EngineConnection,
  jobId: string | undefined,
  signal?: AbortSignal,
): Promise<RunnerResource[]> {
  const filters = JSON.stringify({ label: [jobId === undefined ? RUNNER_JOB_LABEL : `${RUNNER_JOB_LABEL}=${jobId}`] });
  const containers = await listing(conn, '/containers/json', { all: true, filters }, signal);
  const images = await listing(conn, '/images/json', { filters }, signal);
  const volumes = await volumeListing(conn, filters, signal);
  const out: RunnerResource[] = [];
  for (const c of containers) out.push({ kind: 'container', id: c.Id, jobId: c.Labels?.[RUNNER_JOB_LABEL] ?? '' });
  for (const i of images) out.push({ kind: 'image', id: i.Id, jobId: i.Labels?.[RUNNER_JOB_LABEL] ?? '' });
  for (const v of volumes) out.push({ kind: 'volume', id: v.Name, jobId: v.Labels?.[RUNNER_JOB_LABEL] ?? '' });
  return out;
}

async function volumeListing(
  conn: EngineConnection,
  filters: string,
  signal: AbortSignal | undefined,
): Promise<{ Name: string; Labels?: Record<string, string> | null }[]> {
  const res = await conn.json<{ Volumes?: { Name: string; Labels?: Record<string, string> | null }[] | null }>({
    method: 'GET',
    path: conn.compat('/volumes'),
    query: { filters },
    signal,
  });
  return res?.Volumes ?? [];
}

/**
 * The signal for a request that creates a labelled resource (container, volume). It is never the job's:
 * an engine that received the request creates the resource all the same, and one whose id or name
 * the job never learnt would outlive it. Bounded instead; callers record what was made, then check
 * the job's signal.
 */
export function createBound(): AbortSignal {
  return AbortSignal.timeout(60_000);
}

/** Removes a volume; a missing one is fine. */
export async function removeVolume(conn: EngineConnection, name: string, signal?: AbortSignal): Promise<void> {
  await conn.json({
    method: 'DELETE',
    path: conn.compat(`/volumes/${encodeURIComponent(name)}`),
    query: { force: true },
    ok: [204, 404],
    signal,
  });
}

/** Force-removes a container and its anonymous volumes; a missing container is not an error. */
export async function removeContainer(conn: EngineConnection, id: string, signal?: AbortSignal): Promise<void> {
  await conn.json({
    method: 'DELETE',
    path: conn.compat(`/containers/${encodeURIComponent(id)}`),
    query: { force: true, v: true },
    ok: [200, 204, 404],
    signal,
  });
}

/** Removes an image by id or reference; missing is fine. `force` also removes other tags of the same id. */
export async function removeImage(
  conn: EngineConnection,
  ref: string,
  force: boolean,
  signal?: AbortSignal,
): Promise<void> {
  await conn.json({
    method: 'DELETE',
    path: conn.compat(`/images/${encodeURIComponent(ref)}`),
    query: { force },
    ok: [200, 404],
    signal,
  });
}

/**
 * Ids of every image on the engine (intermediate ones included): the `before` set a build's cleanup
 * must never touch. podman answers 500 while another client removes layers concurrently, so this
 * retries a few times; it throws rather than return a partial answer.
 */
export async function imageIds(conn: EngineConnection, signal?: AbortSignal): Promise<Set<string>> {
  const list = await listing(conn, '/images/json', { all: true }, signal);
  return new Set(list.map((i) => i.Id.replace(/^sha256:/, '')));
}

/**
 * A compat listing. podman answers 500 while another client removes layers concurrently, so this
 * retries a few times; it throws rather than return a partial answer.
 */
async function listing(
  conn: EngineConnection,
  path: string,
  query: Record<string, string | boolean>,
  signal: AbortSignal | undefined,
): Promise<Listed[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await conn.json<Listed[]>({ method: 'GET', path: conn.compat(path), query, signal })) ?? [];
    } catch (err) {
      if (signal?.aborted || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** After a pass that removed something, how long the next pass waits, and the overall bound. */
const SETTLE_PAUSE_MS = 1000;
const SETTLE_LIMIT_MS = 30_000;

/**
 * Removes labelled containers first (a volume in use cannot go), then labelled images and volumes, for one job or for every job not in
 * `keep`. Each failure is reported, not thrown. A job whose client went away may still be winding
 * down in the engine (podman commits the step in progress after its client disconnected, even a
 * first layer when nothing was there yet), so passes repeat, a second apart, until one after the
 * first finds nothing (at most 30 s).
 */
export async function cleanupJobResources(
  conn: EngineConnection,
  options: { jobId?: string | undefined; keep?: readonly string[] | undefined; signal?: AbortSignal | undefined },
): Promise<CleanupReport> {
  const keep = new Set(options.keep ?? []);
  const removed: CleanupReport['removed'] = [];
  const until = Date.now() + SETTLE_LIMIT_MS;
  for (let pass = 1; ; pass++) {
    const all = await listJobResources(conn, options.jobId, options.signal);
    const targets = all.filter((r) => !keep.has(r.jobId));
    const failed: CleanupReport['failed'] = [];
    for (const kind of ['container', 'image', 'volume'] as const) {
      for (const r of targets.filter((t) => t.kind === kind)) {
        try {
          if (kind === 'container') await removeContainer(conn, r.id, options.signal);
          else if (kind === 'image') await removeImage(conn, r.id, true, options.signal);
          else await removeVolume(conn, r.id, options.signal);
          removed.push(r);
        } catch (err) {
          failed.push({ ...r, reason: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    if ((targets.length === 0 && pass > 1) || Date.now() + SETTLE_PAUSE_MS > until || options.signal?.aborted)
      return { removed, failed };
    await new Promise((r) => setTimeout(r, SETTLE_PAUSE_MS));
  }
}
