import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortError,
  childLogger,
  NotFoundError,
  type ImageBuild,
  type ImageBuildInput,
  type ImageExport,
  type ImageExportInput,
  type Repository,
  type RepositoryInput,
} from '@imagebuild/core';
import { isTerminal } from '@imagebuild/core/lifecycle';
import type { ImageBuildList, ImageExportList, RepositoryList } from '@imagebuild/core/resources';
import type { ImageBuilderOptions } from './options.js';
import { MemoryStore } from './store/memory-store.js';
import type { Store } from './store/store.js';
import { EventHub } from './watch/event-hub.js';
import type { JobKind, WatchEvent, WatchOptions } from './watch/events.js';
import { LogBook, type LogReadOptions, type LogWindow, type LogWindowOptions } from './logs/log-book.js';
import { CredentialSealer } from './internal/credentials.js';
import { jobKey, newSharedRuntime, type BuilderContext } from './internal/context.js';
import { RunnerPool } from './internal/pool.js';
import { Scheduler } from './internal/scheduler.js';
import { ClaimLoop } from './internal/claim-loop.js';
import { ChangeBridge } from './internal/change-bridge.js';
import type { JobQueue } from './internal/job-queue.js';
import { readSharedLog, sharedLogWindow } from './internal/shared-logs.js';
import { isSharedStore } from './store/shared-store.js';
import { executeJob } from './internal/execute.js';
import { Repositories } from './internal/repositories.js';
import { Jobs, type NewVersionRequest, type WithExports } from './internal/jobs.js';
import { CancelDelete } from './internal/cancel-delete.js';
import { recover, type RecoveryReport } from './internal/recovery.js';
import { sweepLeftovers } from './internal/sweep.js';
import { closeOnSignals, onExit } from './internal/signals.js';
import { ownerTag } from './internal/job-owner.js';
import type { ListOptions } from '@imagebuild/core/operation';
import type { DownloadOptions } from './download-options.js';
import { downloadExport } from './internal/download.js';
import { openExportArtifact, type ExportArtifact, type OpenExportOptions } from './internal/export-artifact.js';
import { getSbom, listSboms, type Sbom, type SbomInfo, type SbomReadOptions } from './internal/sbom.js';
import type { DownloadResult } from '@imagebuild/oci';

type Kind = 'Repository' | JobKind;
type ObjectOf<K extends Kind> = K extends 'Repository' ? Repository : K extends 'ImageBuild' ? ImageBuild : ImageExport;
type ListOf<K extends Kind> = K extends 'Repository'
  ? RepositoryList
  : K extends 'ImageBuild'
    ? ImageBuildList
    : ImageExportList;

/**
 * Flight Control's ImageBuild / ImageExport lifecycle in-process: Repositories, builds and exports
 * with upstream's validation, lists, cancel and delete rules, run on a pool of runners with a queue,
 * heartbeat, logs, watch and (with `SqliteStore`) restart recovery.
 *
 * Every method waits for start-up recovery first; `ready()` exposes its report.
 */
export class ImageBuilder {
  readonly #ctx: BuilderContext;
  readonly #pool: RunnerPool;
  readonly #sched: JobQueue;
  /** On a shared store: the change feed that every event of this process comes from. */
  readonly #bridge: ChangeBridge | undefined;
  readonly #repos: Repositories;
  readonly #jobs: Jobs;
  readonly #cd: CancelDelete;
  readonly #ready: Promise<RecoveryReport>;
  /** Recovery, then the start-up sweep (in the background: it does not hold up the API). */
  readonly #swept: Promise<RecoveryReport>;
  /** The log folder, when the builder made it (removed by `close()`). */
  readonly #ownLogDir: string | undefined;
  readonly #unsignal: (() => void) | undefined;
  readonly #unexit: (() => void) | undefined;
  #closed = false;

  constructor(options: ImageBuilderOptions) {
    const store: Store = options.store ?? new MemoryStore();
    const sharedStore = isSharedStore(store) ? store : undefined;
    // a process on a shared store may serve the API only (its jobs run in other processes)
    if (!options.runners || (options.runners.length === 0 && !sharedStore))
      throw new TypeError('ImageBuilder needs at least one runner (options.runners)');
    if (sharedStore && options.credentialKey === undefined)
      throw new TypeError(
        'a shared store needs options.credentialKey, the same in every process (each reads the Repository passwords another sealed)',
      );
    const concurrency = positive(options.concurrency, 2, 'concurrency');
    const staleAfterMs = positive(options.staleAfterMs, 180_000, 'staleAfterMs');
    const placementTimeoutMs = positive(options.placementTimeoutMs, 120_000, 'placementTimeoutMs');
    const jobsLogger = childLogger(options.logger, { component: 'jobs' });
    const shared =
      sharedStore && newSharedRuntime(sharedStore, positive(options.leaseMs, 15_000, 'leaseMs'), jobsLogger);
    // The owner tag in the name lets a later builder's sweep remove it if this process is killed.
    this.#ownLogDir = options.logDir ? undefined : mkdtempSync(join(tmpdir(), `imagebuild-logs-${ownerTag()}-`));
    const logDir = options.logDir ?? this.#ownLogDir!;
    const own = this.#ownLogDir;
    this.#unexit = own ? onExit(() => rmSync(own, { recursive: true, force: true })) : undefined;
    this.#ctx = {
      store,
      hub: new EventHub(),
      logs: new LogBook(logDir, positive(options.logTailLines, 1000, 'logTailLines'), options.logDir === undefined),
      sealer: new CredentialSealer(options.credentialKey),
      reasons: new Map(),
      reasonVersions: new Map(),
      shared,
      settled: new Map(),
      logger: jobsLogger,
    };
    if (shared) this.#ctx.logs.sink = (kind, name, line) => shared.logs.line(kind as JobKind, name, line);
    this.#pool = new RunnerPool(
      options.runners,
      positive(options.perRunnerConcurrency, concurrency, 'perRunnerConcurrency'),
      options.pingRetryMs ?? 5000,
      childLogger(options.logger, { component: 'pool' }),
    );
    if (shared) {
      const claims = new ClaimLoop(this.#ctx, this.#pool, {
        concurrency,
        globalConcurrency:
          options.globalConcurrency === undefined
            ? undefined
            : positive(options.globalConcurrency, 1, 'globalConcurrency'),
      });
      claims.onCancelRequested = (kind, name) => void this.#cd.cancel(kind, name).catch(() => undefined); // it may have ended meanwhile
      this.#sched = claims;
      this.#bridge = new ChangeBridge(this.#ctx, shared, claims);
    } else {
      this.#sched = new Scheduler(this.#ctx, this.#pool, { concurrency, placementTimeoutMs });
    }
    const settings = {
      staleAfterMs,
      maxDurationMs: options.maxDurationMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.max(10, Math.min(staleAfterMs / 4, 30_000)),
      options,
    };
    this.#sched.executor = (job) => executeJob(this.#ctx, this.#sched, settings, job);
    this.#repos = new Repositories(this.#ctx);
    this.#jobs = new Jobs(this.#ctx, this.#sched, options);
    this.#cd = new CancelDelete(this.#ctx, this.#sched, options.deleteCancelTimeoutMs ?? 30_000);
    const cleanup = options.cleanupOnStart ?? true;
    // A shared store needs no restart recovery: jobs of a lost process are taken over when their lease expires.
    this.#ready = this.#bridge
      ? this.#bridge.start().then(() => ({ requeued: [], interrupted: [], finishedCancels: [], cleanup: [] }))
      : recover(this.#ctx, this.#sched, this.#pool, cleanup);
    // ready() reports this rejection; this handler only keeps it from being unhandled
    this.#ready.catch(() => undefined);
    this.#swept = this.#ready.then(async (report) => {
      if (cleanup)
        report.sweep = await sweepLeftovers(
          this.#pool.slots.map((s) => s.runner),
          undefined,
          childLogger(options.logger, { component: 'sweep' }),
        );
      return report;
    });
    // the sweep's failure is in its report and the pool's log; jobs must not wait on it forever
    this.#swept.catch(() => undefined);
    // Jobs wait for the sweep (the API does not): removing a dead job's layers while a new build
    // looks up its cache on the same engine fails that build in podman ("layer not known").
    if (cleanup) this.#sched.holdUntil(this.#swept);
    this.#unsignal = options.handleSignals === false ? undefined : closeOnSignals(this);
  }

  /**
   * Resolves once the builder can run jobs: restart recovery and the start-up sweep are done (the
   * report says what they did) and at least one runner reaches its engine. Rejects with
   * `RuntimeNotFoundError` listing every runner's discovery report when none does, with the store's
   * error if it could not be read, and with `AbortError` on `signal`.
   */
  async ready(options: { signal?: AbortSignal | undefined } = {}): Promise<RecoveryReport> {
    const { signal } = options;
    const report = await untilAborted(this.#swept, signal);
    if (this.#pool.slots.length > 0) await this.#pool.probe(signal);
    return report;
  }

  /** Directory holding the job logs. */
  get logDir(): string {
    return this.#ctx.logs.dir;
  }

  /** Jobs queued and running now. */
  get stats(): { queued: number; running: number } {
    return { queued: this.#sched.queued, running: this.#sched.running.size };
  }

  async #open(): Promise<void> {
    if (this.#closed) throw new TypeError('this ImageBuilder is closed');
    await this.#ready;
  }

  /** Creates a Repository, ImageBuild or ImageExport (by `kind`); a taken name is a `ConflictError`. */
  create(resource: RepositoryInput): Promise<Repository>;
  /** Creates an ImageBuild (Pending, queued); a taken name is a `ConflictError`. */
  create(resource: ImageBuildInput): Promise<ImageBuild>;
  /** Creates an ImageExport of an existing ImageBuild (queued; Failed at once if the build failed or was canceled). */
  create(resource: ImageExportInput): Promise<ImageExport>;
  /** Creates the resource its `kind` names (validated here; another `kind` is a `TypeError`). */
  create(resource: unknown): Promise<Repository | ImageBuild | ImageExport>;
  async create(resource: unknown): Promise<Repository | ImageBuild | ImageExport> {
    await this.#open();
    const kind = kindOf(resource);
    if (kind === 'Repository') return this.#repos.create(resource);
    return kind === 'ImageBuild' ? this.#jobs.createBuild(resource) : this.#jobs.createExport(resource);
  }

  /**
   * Creates, or brings an existing resource in line: Repositories are replaced (spec and labels);
   * builds and exports keep their immutable spec (a different one is a `ConflictError`), labels are updated.
   */
  apply(resource: RepositoryInput): Promise<Repository>;
  /** Creates an ImageBuild, or updates the labels of an existing one with the same spec (else `ConflictError`). */
  apply(resource: ImageBuildInput): Promise<ImageBuild>;
  /** Creates an ImageExport, or updates the labels of an existing one with the same spec (else `ConflictError`). */
  apply(resource: ImageExportInput): Promise<ImageExport>;
  /** Applies the resource its `kind` names (validated here; another `kind` is a `TypeError`). */
  apply(resource: unknown): Promise<Repository | ImageBuild | ImageExport>;
  async apply(resource: unknown): Promise<Repository | ImageBuild | ImageExport> {
    await this.#open();
    const kind = kindOf(resource);
    return kind === 'Repository' ? this.#repos.apply(resource) : this.#jobs.apply(kind, resource);
  }

  /** One resource (`NotFoundError` if absent). Repository passwords are masked. */
  async get<K extends Kind>(kind: K, name: string, options: WithExports = {}): Promise<ObjectOf<K>> {
    await this.#open();
    if (kind === 'Repository') return (await this.#repos.get(name)) as ObjectOf<K>;
    return (await this.#jobs.get(kind as JobKind, name, options)) as ObjectOf<K>;
  }

  /** A page of resources, newest first, filtered by label and field selectors. */
  async list<K extends Kind>(
    kind: K,
    options: ListOptions & (K extends 'ImageBuild' ? WithExports : object) = {} as never,
  ): Promise<ListOf<K>> {
    await this.#open();
    if (kind === 'Repository') return (await this.#repos.list(options)) as ListOf<K>;
    if (kind === 'ImageBuild') return (await this.#jobs.listBuilds(options)) as ListOf<K>;
    return (await this.#jobs.listExports(options)) as ListOf<K>;
  }

  /** Cancels a Pending (→ Canceled) or running (→ Canceling → Canceled) build or export; else `ConflictError`. */
  async cancel<K extends JobKind>(kind: K, name: string): Promise<ObjectOf<K>> {
    await this.#open();
    return (await this.#cd.cancel(kind, name)) as ObjectOf<K>;
  }

  /** Deletes a resource (a build's exports first, each canceled and awaited). Resolves false if it did not exist. */
  async delete(kind: Kind, name: string): Promise<boolean> {
    await this.#open();
    if (kind === 'Repository') return this.#repos.delete(name);
    return this.#cd.delete(kind, name);
  }

  /** Creates a new ImageBuild from `name`'s spec with optional tag overrides (upstream's newversion). */
  async newVersion(name: string, request: NewVersionRequest): Promise<ImageBuild> {
    await this.#open();
    return this.#jobs.newVersion(name, request);
  }

  /** Typed events (created, phase, deleted), optionally for one kind or name, as an async iterator. */
  watch(options: WatchOptions = {}): AsyncIterableIterator<WatchEvent> {
    return this.#ctx.hub.watch(options);
  }

  /**
   * A job's log lines. Without `follow`: what is there now. With `follow`: until the job ends.
   * `from` resumes at a line offset (no duplicates). The whole log is on disk; memory holds a bounded tail.
   */
  async *logs(kind: JobKind, name: string, options: LogReadOptions = {}): AsyncGenerator<string, void, undefined> {
    await this.#open();
    const rec = await this.#ctx.store.get(kind, name);
    if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
    if (this.#ctx.shared) {
      yield* readSharedLog(this.#ctx, kind, name, options);
      return;
    }
    const reason = this.#ctx.reasons.get(jobKey(kind, name));
    const log = await this.#ctx.logs.get(kind, name, isTerminal(reason));
    yield* this.#ctx.logs.read(log, options);
  }

  /**
   * A window of a job's log for paging: by default the last 500 lines (what upstream keeps of a
   * finished log), or `limit` lines from line `from` (0-based); with the bounds and the total line
   * count when it was opened. Lines are streamed from disk as they are iterated: any window costs
   * time and memory for its own lines only.
   */
  async readLog(kind: JobKind, name: string, options: LogWindowOptions = {}): Promise<LogWindow> {
    await this.#open();
    const rec = await this.#ctx.store.get(kind, name);
    if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
    if (this.#ctx.shared) return sharedLogWindow(this.#ctx, kind, name, options);
    const reason = this.#ctx.reasons.get(jobKey(kind, name));
    const log = await this.#ctx.logs.get(kind, name, isTerminal(reason));
    return this.#ctx.logs.window(log, options);
  }

  /**
   * Downloads a Completed export's file to `path` (a file, or a directory → `<build name><ext>`):
   * resumable and digest-verified. Not ready → `ConflictError`.
   */
  async download(exportName: string, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    await this.#open();
    return downloadExport(this.#ctx, exportName, path, options);
  }

  /**
   * A Completed export's file as it is in the registry — name, size, digest — with `open()` to
   * stream it (from an offset, with backpressure) and `close()` to release the registry connection.
   * Serving a download over HTTP needs no local copy. Not ready → `ConflictError`.
   */
  async openExport(exportName: string, options: OpenExportOptions = {}): Promise<ExportArtifact> {
    await this.#open();
    return openExportArtifact(this.#ctx, exportName, options);
  }

  /**
   * The SBOM referrers (CycloneDX JSON) of a Completed build's image, oldest first, as listed by the
   * registry. Not completed → `ConflictError`.
   */
  async sboms(buildName: string, options: { signal?: AbortSignal | undefined } = {}): Promise<SbomInfo[]> {
    await this.#open();
    return listSboms(this.#ctx, buildName, options);
  }

  /** Downloads a Completed build's SBOM (the newest, or `options.digest`), verified. None → `NotFoundError`. */
  async sbom(buildName: string, options: SbomReadOptions = {}): Promise<Sbom> {
    await this.#open();
    return getSbom(this.#ctx, buildName, options);
  }

  /**
   * Stops scheduling, ends watches and closes the store. Running jobs are aborted and end Failed
   * (their runners remove what they created). The log folder is removed when the builder made it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsignal?.();
    // closing goes on whatever the sweep did (its outcome was logged)
    await this.#swept.catch(() => undefined);
    this.#sched.close();
    const running = [...this.#sched.running.values()];
    for (const job of running) {
      job.stop ??= { cause: 'timeout', message: 'the builder was closed while the job was running' };
      job.op?.abort(new Error('builder closed'));
    }
    // aborted jobs end promptly (their runners clean up); a runner that ignores its abort is not awaited forever
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#sched.idle(),
      new Promise((r) => {
        timer = setTimeout(r, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await this.#ctx.shared?.logs.flushAll();
    await this.#bridge?.close();
    this.#ctx.hub.closeAll();
    await this.#ctx.logs.dispose(); // a temporary log directory goes with the builder
    await this.#ctx.store.close();
    if (this.#ownLogDir) await rm(this.#ownLogDir, { recursive: true, force: true });
    this.#unexit?.();
  }
}

/** How long `close()` waits for aborted jobs to end. */
const CLOSE_WAIT_MS = 30_000;

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new AbortError('ready() was aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError('ready() was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new TypeError(`${name} must be a positive number`);
  return value;
}

function kindOf(resource: unknown): Kind {
  const kind = (resource as { kind?: unknown } | null)?.kind;
  if (kind === 'Repository' || kind === 'ImageBuild' || kind === 'ImageExport') return kind;
  throw new TypeError(`kind must be Repository, ImageBuild or ImageExport`);
}
