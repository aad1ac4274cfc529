import { SdkError } from '@imagebuild/core';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import { removeContainer, removeImage } from './job-resources.js';

interface RawContainer {
  Id: string;
  Image?: string;
  ImageID?: string;
  Created?: number;
  Names?: string[] | null;
  Labels?: Record<string, string> | null;
}
interface RawImage {
  Id: string;
  ParentId?: string;
  Created?: number;
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
}

/** What the build left a trace of, for the sweep after an abort or failure. */
export interface BuildTrace {
  jobId: string;
  /** Image ids the build printed (short or full). */
  printedIds: readonly string[];
  /** Container ids the build printed (`Running in …`). */
  containerIds: readonly string[];
  /** The FROM image reference. */
  sourceImage: string;
  /** Epoch seconds when the build started (containers/images created earlier are never touched). */
  startedAt: number;
  /** Ids of images and containers that existed before the build. */
  before: { images: Set<string>; containers: Set<string> };
  /**
   * Whether other builds from the same base may be running on this engine (as far as this process
   * knows). Then the one guess below is not made: a fresh untagged layer on the base could be theirs.
   */
  concurrent: () => boolean;
}

const bare = (id: string): string => id.replace(/^sha256:/, '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * After an aborted or failed build the engine may still be winding down: dockerd kills and removes
 * the step's container and may commit the step it was in, buildah finishes the RUN in progress
 * before it notices the cancellation. This waits (up to `deadline`) until nothing of the build is
 * left, removing every container and image that is provably the build's:
 *  - labelled with the job (podman labels every layer; the final image on both engines);
 *  - printed by the build (layer ids, `Running in` containers);
 *  - created since the build started and descending from a printed layer (a layer committed after
 *    the stream was closed), or a container on such a layer;
 *  - an untagged, unlabelled layer created since the start whose parent is the FROM image, or a
 *    container on the FROM image created since the start (the step right after FROM, not yet
 *    printed). This is the one guess, made only while no other build from the same base runs on
 *    the engine from this process (another process's build could still be hit: a documented limit).
 * Anything labelled with another job is never touched, whatever it descends from.
 * On podman it also waits for buildah's working containers created since the build started to go.
 * Ids that existed before the build are never touched.
 */
export async function sweepBuildLeftovers(
  conn: EngineConnection,
  trace: BuildTrace,
  deadline: number,
  signal: AbortSignal,
  /** Consecutive polls finding nothing that end the sweep (1 after a success: nothing is still running). */
  settle: number,
): Promise<void> {
  const ours = new Set(trace.printedIds.map(bare));
  const isOurs = (id: string | undefined): boolean => {
    if (!id) return false;
    const b = bare(id);
    return [...ours].some((o) => b.startsWith(o) || o.startsWith(b));
  };
  // Independent requests go out together: the engine answers them concurrently, and each
  // sequential round trip is time the CLI's `rmi` does not pay.
  // One at a time: many requests on one signal would pile up its abort listeners.
  const removePrinted = async (): Promise<void> => {
    for (const id of trace.containerIds) await removeContainer(conn, id, signal).catch(() => undefined);
  };
  const [sourceId] = await Promise.all([
    conn
      .json<{ Id: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(trace.sourceImage)}/json`),
        ok: [200, 404],
        signal,
      })
      .then(
        (i) => (i?.Id ? bare(i.Id) : undefined),
        () => undefined,
      ),
    removePrinted(),
  ]);
  const inspected = new Set<string>();
  let quiet = 0;
  for (let pass = 0; ; pass++) {
    let found = 0;
    if (pass > 0) await removePrinted();
    // A listing the engine answers with an HTTP error (podman answers 500 while another client
    // removes layers) proves nothing: the poll then does not count as quiet. A listing that cannot
    // reach the engine at all ends the sweep: nothing more can be removed, and waiting only delays
    // the failure the caller must see.
    let blind = false;
    const [listedContainers, listedImages] = await Promise.all([
      list<RawContainer[]>(conn, '/containers/json', signal),
      list<RawImage[]>(conn, '/images/json', signal),
    ]);
    if (listedContainers === 'unreachable') return;
    if (listedContainers === 'refused') blind = true;
    const containers = Array.isArray(listedContainers) ? listedContainers : [];
    for (const c of containers) {
      if (trace.before.containers.has(c.Id)) continue;
      const image = bare(c.ImageID ?? c.Image ?? '');
      const label = c.Labels?.[RUNNER_JOB_LABEL];
      if (label !== undefined && label !== trace.jobId) continue;
      const mine =
        label === trace.jobId ||
        isOurs(image) ||
        (sourceId !== undefined && image === sourceId && (c.Created ?? 0) >= trace.startedAt && !trace.concurrent());
      if (mine) {
        found++;
        // cleanup is best effort: a container already gone is the goal
        await removeContainer(conn, c.Id, signal).catch(() => undefined);
      }
    }
    if (listedImages === 'unreachable') return;
    if (listedImages === 'refused') blind = true;
    const images = Array.isArray(listedImages) ? listedImages : [];
    const candidates = images.filter((i) => !trace.before.images.has(bare(i.Id)));
    // Descendants of our layers are ours (iterate to a fixed point), newest first for removal.
    for (let grew = true; grew; ) {
      grew = false;
      for (const i of candidates) {
        const id = bare(i.Id);
        if (ours.has(id)) continue;
        const untagged = (i.RepoTags ?? []).every((t) => t === '<none>:<none>');
        const label = i.Labels?.[RUNNER_JOB_LABEL];
        if (label !== undefined && label !== trace.jobId) continue;
        if (
          label === trace.jobId ||
          isOurs(id) ||
          isOurs(i.ParentId) ||
          (untagged &&
            label === undefined &&
            sourceId !== undefined &&
            bare(i.ParentId ?? '') === sourceId &&
            (i.Created ?? 0) >= trace.startedAt &&
            !trace.concurrent())
        ) {
          ours.add(id);
          grew = true;
        }
      }
    }
    // dockerd commits the step it was in when the build was canceled without a parent (ParentId
    // empty): the image's config still names the layer it was built on and the step's container.
    for (const i of candidates) {
      const id = bare(i.Id);
      if (ours.has(id) || i.ParentId || i.Labels?.[RUNNER_JOB_LABEL] || (i.Created ?? 0) < trace.startedAt) continue;
      if (!(i.RepoTags ?? []).every((t) => t === '<none>:<none>') || inspected.has(id)) continue;
      inspected.add(id);
      const info = await conn
        .json<{ Container?: string; Config?: { Image?: string }; ContainerConfig?: { Image?: string } }>({
          method: 'GET',
          path: conn.compat(`/images/${id}/json`),
          ok: [200, 404],
          signal,
        })
        .catch(() => null);
      const container = info?.Container ?? '';
      if (
        isOurs(info?.Config?.Image) ||
        isOurs(info?.ContainerConfig?.Image) ||
        (container !== '' && trace.containerIds.some((c) => container.startsWith(c)))
      )
        ours.add(id);
    }
    for (const i of candidates
      .filter((c) => ours.has(bare(c.Id)))
      .sort((a, b) => (b.Created ?? 0) - (a.Created ?? 0))) {
      found++;
      // cleanup is best effort: an image in use or gone is left to the next sweep
      await removeImage(conn, bare(i.Id), true, signal).catch(() => undefined);
    }
    if (conn.info.kind === 'podman') {
      // buildah's working containers of a canceled build go away when the step in progress ends
      found += (await externalContainers(conn, signal)).filter((c) => !trace.before.containers.has(c.Id)).length;
    }
    quiet = found === 0 && !blind ? quiet + 1 : 0;
    if (quiet >= settle || Date.now() + 300 >= deadline || signal.aborted) return;
    await sleep(300);
  }
}

/** A compat listing (`all=true`), or why there is none: the engine answered an error, or could not be reached. */
async function list<T>(
  conn: EngineConnection,
  path: string,
  signal: AbortSignal,
): Promise<T | 'refused' | 'unreachable'> {
  try {
    return await conn.json<T>({ method: 'GET', path: conn.compat(path), query: { all: true }, signal });
  } catch (err) {
    return err instanceof SdkError && typeof err.details['status'] === 'number' ? 'refused' : 'unreachable';
  }
}

/** Ids of every container, podman's external (buildah) ones included: the `before` set of a build. */
export async function containerIds(conn: EngineConnection, signal: AbortSignal): Promise<Set<string>> {
  const [list, ext] = await Promise.all([
    compatContainers(conn, signal),
    conn.info.kind === 'podman' ? externalContainers(conn, signal) : [],
  ]);
  return new Set([...list, ...ext].map((c) => c.Id));
}

function compatContainers(conn: EngineConnection, signal: AbortSignal): Promise<RawContainer[]> {
  return conn
    .json<RawContainer[]>({ method: 'GET', path: conn.compat('/containers/json'), query: { all: true }, signal })
    .then(
      (l) => l ?? [],
      () => [],
    );
}

/** podman's storage-only containers (buildah working containers). */
async function externalContainers(conn: EngineConnection, signal: AbortSignal): Promise<RawContainer[]> {
  const [list, compat] = await Promise.all([
    conn
      .json<Array<RawContainer & { IsInfra?: boolean }>>({
        method: 'GET',
        path: conn.libpod('/containers/json'),
        query: { all: true, external: true },
        signal,
      })
      .catch(() => null),
    compatContainers(conn, signal),
  ]);
  const regular = new Set(compat.map((c) => c.Id));
  return (list ?? []).filter((c) => !regular.has(c.Id));
}
