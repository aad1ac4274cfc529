import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '@imagebuild/engine';

/** One container or image as the engine lists it. */
export interface Listed {
  kind: 'container' | 'image';
  id: string;
  labels: Record<string, string>;
  /** Image: its tags; container: its names. */
  names: string[];
  /** Container: the image it runs (name or id). Image: its parent id (classic builder). */
  from: string;
  /** podman only: a storage ("external") container, e.g. a buildah working container. */
  external?: boolean;
}

/** The engine's full lists: every container (all=true; on podman also external buildah containers), every image (dangling and intermediate included). */
export interface EngineSnapshot {
  containers: Map<string, Listed>;
  images: Map<string, Listed>;
}

interface RawContainer {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  ImageID?: string;
  Labels?: Record<string, string> | null;
  IsInfra?: boolean;
}
interface RawImage {
  Id: string;
  RepoTags?: string[] | null;
  ParentId?: string;
  Labels?: Record<string, string> | null;
}

const bare = (id: string): string => id.replace(/^sha256:/, '');

export async function snapshot(conn: EngineConnection): Promise<EngineSnapshot> {
  const [cs, is] = await Promise.all([
    conn.json<RawContainer[]>({ method: 'GET', path: conn.compat('/containers/json'), query: { all: true } }),
    conn.json<RawImage[]>({ method: 'GET', path: conn.compat('/images/json'), query: { all: true } }),
  ]);
  const containers = new Map<string, Listed>();
  for (const c of cs ?? []) {
    containers.set(c.Id, {
      kind: 'container',
      id: c.Id,
      labels: c.Labels ?? {},
      names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
      from: c.Image ?? '',
    });
  }
  if (conn.info.kind === 'podman') {
    const ext = await conn.json<RawContainer[]>({
      method: 'GET',
      path: conn.libpod('/containers/json'),
      query: { all: true, external: true },
    });
    for (const c of ext ?? []) {
      if (!containers.has(c.Id))
        containers.set(c.Id, {
          kind: 'container',
          id: c.Id,
          labels: c.Labels ?? {},
          names: c.Names ?? [],
          from: c.Image ?? '',
          external: true,
        });
    }
  }
  const images = new Map<string, Listed>();
  for (const i of is ?? []) {
    const id = bare(i.Id);
    images.set(id, {
      kind: 'image',
      id,
      labels: i.Labels ?? {},
      names: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      from: bare(i.ParentId ?? ''),
    });
  }
  return { containers, images };
}

/** What identifies our job's resources. */
export interface OurJob {
  jobId: string;
  /** Image ids our build printed (intermediate layers, the final image), short or full. */
  printedIds: readonly string[];
  /** Our destination repository, `registry/name` (any tag in it is ours). */
  repository: string;
  /** Images our job starts from (FROM base, converter): containers on them are ours. */
  baseImages: readonly string[];
}

/**
 * Differences between two snapshots that our job is responsible for. The rule:
 *  - a resource added since the snapshot is OURS — a failure — unless it carries ANOTHER job's
 *    `io.imagebuild.job` label, or is positively someone else's: an image tagged only outside our
 *    repository, or a container running such an image (other than our base images). In particular an
 *    unlabelled untagged (dangling/intermediate) image, a container on an image id, and a container
 *    on one of our images or base images are ours.
 *  - a resource present before and gone after is a failure unless it carries a job label other than
 *    ours (another job's cleanup) or is positively someone else's in the same sense (tagged, or a
 *    container on a tagged image, outside our repository): our cleanup must never remove what it
 *    did not create — an untagged image that predates the build above all.
 *  - for an image present in both, a tag added in our repository, or a tag in our repository or of
 *    a base image removed, is a failure (tags elsewhere belong to someone else).
 * With exclusive engines (CI) nothing is ever excused by the second clause; it only keeps the
 * check honest while other developers use the same engines.
 */
export function ourDifferences(before: EngineSnapshot, after: EngineSnapshot, job: OurJob): string[] {
  const printed = job.printedIds.map(bare);
  const isOurId = (id: string): boolean =>
    id !== '' && printed.some((p) => bare(id).startsWith(p) || p.startsWith(bare(id)));
  const inRepo = (name: string): boolean =>
    name.startsWith(`${job.repository}:`) || name.startsWith(`${job.repository}@`);
  const isBase = (name: string): boolean => job.baseImages.some((b) => name === b || bare(name) === bare(b));
  const otherJob = (r: Listed): boolean => {
    const j = r.labels[RUNNER_JOB_LABEL];
    return j !== undefined && j !== job.jobId;
  };
  const foreign = (r: Listed, snap: EngineSnapshot): boolean => {
    if (otherJob(r)) return true;
    if (r.labels[RUNNER_JOB_LABEL] === job.jobId) return false;
    if (r.kind === 'image') return !isOurId(r.id) && r.names.length > 0 && !r.names.some(inRepo);
    // a buildah working container is named after the image it works on: `<id or name>-working-container`
    if (r.names.some((n) => isOurId(n.replace(/-working-container(-\d+)?$/, '')))) return false;
    if (isBase(r.from) || isOurId(r.from) || inRepo(r.from)) return false;
    const img = snap.images.get(bare(r.from)) ?? [...snap.images.values()].find((i) => i.names.includes(r.from));
    return img !== undefined ? foreign(img, snap) : /[:/]/.test(r.from) && !/^[0-9a-f]{12,64}$/.test(bare(r.from));
  };
  const describe = (r: Listed): string =>
    `${r.external ? 'external ' : ''}${r.kind} ${r.id.slice(0, 12)} [${r.names.join(', ')}] from=${r.from.slice(0, 40)} job=${r.labels[RUNNER_JOB_LABEL] ?? '-'}`;
  const out: string[] = [];
  for (const kind of ['containers', 'images'] as const) {
    for (const [id, r] of after[kind])
      if (!before[kind].has(id) && !foreign(r, after)) out.push(`left behind: ${describe(r)}`);
    for (const [id, r] of before[kind])
      if (!after[kind].has(id) && !foreign(r, before)) out.push(`removed: ${describe(r)}`);
  }
  // Same image, different tags: a tag in our repository added, or any tag removed from an image we did not create.
  for (const [id, a] of after.images) {
    const b = before.images.get(id);
    if (!b) continue;
    for (const t of a.names)
      if (!b.names.includes(t) && inRepo(t)) out.push(`tag left behind: ${t} on ${id.slice(0, 12)}`);
    for (const t of b.names)
      if (!a.names.includes(t) && (inRepo(t) || isBase(t))) out.push(`tag removed: ${t} from ${id.slice(0, 12)}`);
  }
  return out;
}
