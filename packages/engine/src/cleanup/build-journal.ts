import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER_JOB_LABEL, type CleanupReport, type RunnerResource } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import { jobTag } from '../export/job-tag.js';
import { buildingFrom } from './active-builds.js';
import { removeContainer, removeImage } from './job-resources.js';

const PREFIX = 'imagebuild-build-';
/** A journal is a few hundred lines at most; a bigger file is not ours. */
const MAX_JOURNAL_BYTES = 1 << 20;

/**
 * The layers and step containers a build printed, on disk while it runs. Docker's classic builder
 * cannot label intermediate layers (a label from the first instruction would defeat the cache), so
 * after a SIGKILL nothing on the engine says they were ours: this file, named after the job, does,
 * and the next builder's start-up sweep ({@link sweepBuildJournals}) removes what it lists.
 * Synchronous appends: an id printed just before the kill must already be on disk.
 */
export class BuildJournal {
  readonly #file: string;
  readonly #dir: string;
  readonly #seen = new Set<string>();

  private constructor(dir: string) {
    this.#dir = dir;
    this.#file = join(dir, 'journal');
  }

  /**
   * Starts a journal for the job on the engine at `endpoint` (undefined without a job id), building
   * from `source` since `startedAt` (epoch seconds).
   */
  static open(
    jobId: string | undefined,
    endpoint: string,
    source: string,
    startedAt: number,
  ): BuildJournal | undefined {
    const tag = jobTag(jobId);
    if (tag === '') return undefined;
    const journal = new BuildJournal(mkdtempSync(join(tmpdir(), `${PREFIX}${tag}`)));
    writeFileSync(journal.#file, `${JSON.stringify({ endpoint, jobId, source, startedAt })}\n`, { mode: 0o600 });
    return journal;
  }

  /** Records ids not recorded yet (`image <id>` / `container <id>` lines). */
  record(images: Iterable<string>, containers: Iterable<string>): void {
    let lines = '';
    for (const [kind, ids] of [
      ['image', images],
      ['container', containers],
    ] as const) {
      for (const id of ids) {
        const key = `${kind} ${id}`;
        if (this.#seen.has(key)) continue;
        this.#seen.add(key);
        lines += `${key}\n`;
      }
    }
    if (!lines) return;
    try {
      appendFileSync(this.#file, lines);
    } catch {
      // a full disk must not fail the build: the in-process cleanup still runs; only a kill loses it
    }
  }

  /** The build's own cleanup ran: the journal is no longer needed. */
  close(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

interface Journal {
  dir: string;
  jobId: string;
  endpoint: string;
  /** The FROM image and the build's start (epoch seconds), when the journal says. */
  source?: string | undefined;
  startedAt?: number | undefined;
  images: string[];
  containers: string[];
}

/** Reads one journal; undefined when unreadable or not one of ours. */
function readJournal(dir: string): Journal | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'journal'), 'utf8');
  } catch {
    return undefined; // gone, or another sweep is removing it
  }
  if (text.length > MAX_JOURNAL_BYTES) return undefined;
  const [head, ...rest] = text.split('\n');
  let parsed: { endpoint?: unknown; jobId?: unknown; source?: unknown; startedAt?: unknown };
  try {
    parsed = JSON.parse(head ?? '') as typeof parsed;
  } catch {
    return undefined; // not a journal this code wrote
  }
  if (typeof parsed.endpoint !== 'string' || typeof parsed.jobId !== 'string') return undefined;
  const images: string[] = [];
  const containers: string[] = [];
  for (const line of rest) {
    const m = /^(image|container) ([0-9a-f]{11,64})$/.exec(line);
    if (m) (m[1] === 'image' ? images : containers).push(m[2]!);
  }
  return {
    dir,
    jobId: parsed.jobId,
    endpoint: parsed.endpoint,
    source: typeof parsed.source === 'string' ? parsed.source : undefined,
    startedAt: typeof parsed.startedAt === 'number' ? parsed.startedAt : undefined,
    images,
    containers,
  };
}

/** The journals on this host for the engine at `endpoint` (of one job, or of every job). */
async function journals(endpoint: string, jobId: string | undefined): Promise<Journal[]> {
  const prefix = `${PREFIX}${jobTag(jobId)}`;
  const out: Journal[] = [];
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    // mkdtemp adds six characters to the prefix
    if (!name.startsWith(prefix) || (jobId !== undefined && name.length !== prefix.length + 6)) continue;
    const journal = readJournal(join(tmpdir(), name));
    if (journal?.endpoint === endpoint && (jobId === undefined || journal.jobId === jobId)) out.push(journal);
  }
  return out;
}

type Inspected = { Id: string; RepoTags?: string[] | null; Config?: { Labels?: Record<string, string> | null } };

/** The listed image, when it still exists and nothing but the journal's job holds it. */
async function removableImage(
  conn: EngineConnection,
  id: string,
  jobId: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const image = await conn
    .json<Inspected>({
      method: 'GET',
      path: conn.compat(`/images/${encodeURIComponent(id)}/json`),
      ok: [200, 404],
      signal,
    })
    .catch(() => undefined); // unreadable now: left for the next sweep
  if (!image?.Id) return undefined;
  const label = image.Config?.Labels?.[RUNNER_JOB_LABEL];
  if (label === jobId) return image.Id;
  const tagged = (image.RepoTags ?? []).some((t) => t !== '<none>:<none>');
  return label === undefined && !tagged ? image.Id : undefined;
}

/**
 * The listed layers and the layers built on them (oldest first): a step the engine committed after
 * the process died was never printed, but its parent was. Only untagged layers qualify.
 */
async function withDescendants(
  conn: EngineConnection,
  ids: readonly string[],
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const all = await conn
    .json<Array<{ Id: string; ParentId?: string; RepoTags?: string[] | null }>>({
      method: 'GET',
      path: conn.compat('/images/json'),
      query: { all: true },
      signal,
    })
    .catch(() => undefined); // unlisted now: the printed ids alone
  if (!all) return [...ids];
  const bare = (id: string): string => id.replace(/^sha256:/, '');
  const out = [...ids];
  const ours = (id: string | undefined): boolean =>
    !!id && out.some((o) => bare(id).startsWith(o) || o.startsWith(bare(id)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const image of all) {
      const untagged = !(image.RepoTags ?? []).some((t) => t !== '<none>:<none>');
      if (untagged && !ours(image.Id) && ours(image.ParentId)) {
        out.push(bare(image.Id));
        grew = true;
      }
    }
  }
  return out;
}

/**
 * The step a build was in when its process died before printing any layer: an untagged layer with no
 * job label, created since the build started, whose parent is the build's FROM image (the same one
 * guess the in-process cleanup makes). Not made while this process builds from that base on this
 * engine: the layer could be that build's (another process's build from the same base could still
 * be hit: a documented limit).
 */
async function guessedLayers(conn: EngineConnection, j: Journal, signal: AbortSignal | undefined): Promise<string[]> {
  if (!j.source || j.startedAt === undefined || buildingFrom(j.endpoint, j.source)) return [];
  const [base, all] = await Promise.all([
    conn.json<{ Id?: string }>({
      method: 'GET',
      path: conn.compat(`/images/${encodeURIComponent(j.source)}/json`),
      ok: [200, 404],
      signal,
    }),
    conn.json<
      Array<{
        Id: string;
        ParentId?: string;
        Created?: number;
        RepoTags?: string[] | null;
        Labels?: Record<string, string> | null;
      }>
    >({
      method: 'GET',
      path: conn.compat('/images/json'),
      query: { all: true },
      signal,
    }),
  ]).catch(() => [undefined, undefined] as const); // unreadable now: left for the next sweep
  if (!base?.Id || !all) return [];
  const bare = (id: string): string => id.replace(/^sha256:/, '');
  return all
    .filter(
      (i) =>
        bare(i.ParentId ?? '') === bare(base.Id!) &&
        (i.Created ?? 0) >= (j.startedAt ?? Number.POSITIVE_INFINITY) &&
        !(i.RepoTags ?? []).some((t) => t !== '<none>:<none>') &&
        i.Labels?.[RUNNER_JOB_LABEL] === undefined,
    )
    .map((i) => bare(i.Id));
}

/**
 * What the journals on this host list that still exists on this engine (for `listResources`):
 * the start-up sweep then judges their jobs like labelled ones.
 */
export async function journalResources(
  conn: EngineConnection,
  jobId: string | undefined,
  signal?: AbortSignal,
): Promise<RunnerResource[]> {
  const out: RunnerResource[] = [];
  for (const j of await journals(conn.info.endpoint, jobId)) {
    for (const id of [...j.images, ...(await guessedLayers(conn, j, signal))]) {
      const full = await removableImage(conn, id, j.jobId, signal);
      if (full) out.push({ kind: 'image', id: full, jobId: j.jobId });
    }
  }
  return out;
}

/**
 * Removes what the journals of job `jobId` on this engine list, then the journals. An image is
 * removed only while no tag and no other job's label holds it; its untagged parents go with it
 * (the engine prunes them); one in use (another build's child layer) stays. Journals of other
 * engines are left for a builder that reaches theirs.
 */
export async function sweepBuildJournals(
  conn: EngineConnection,
  jobId: string,
  signal?: AbortSignal,
): Promise<CleanupReport> {
  const report: CleanupReport = { removed: [], failed: [] };
  if (jobTag(jobId) === '') return report;
  for (const journal of await journals(conn.info.endpoint, jobId)) {
    for (const id of journal.containers) {
      await removeContainer(conn, id, signal).then(
        () => report.removed.push({ kind: 'container', id, jobId }),
        (err: unknown) => report.failed.push({ kind: 'container', id, jobId, reason: String(err) }),
      );
    }
    // newest first: a layer's children go before it
    const listed = [...journal.images, ...(await guessedLayers(conn, journal, signal))];
    for (const id of [...(await withDescendants(conn, listed, signal))].reverse()) {
      const full = await removableImage(conn, id, jobId, signal);
      if (!full) continue;
      await removeImage(conn, full, false, signal).then(
        () => report.removed.push({ kind: 'image', id: full, jobId }),
        (err: unknown) => report.failed.push({ kind: 'image', id: full, jobId, reason: String(err) }),
      );
    }
    await rm(journal.dir, { recursive: true, force: true });
  }
  return report;
}
