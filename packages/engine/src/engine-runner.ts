import {
  Operation,
  SdkError,
  childLogger,
  type ImageBuild,
  type ImageExport,
  type Logger,
  type Runner,
} from '@imagebuild/core';
import { EngineError } from '@imagebuild/core/errors';
import type { RepositoryLookup } from '@imagebuild/core/resources';
import { DEFAULT_CONVERTER_IMAGE } from '@imagebuild/core/runner';
import type {
  BuildEvents,
  BuildOperation,
  BuildResult,
  CleanupReport,
  EngineInfo,
  ExportEvents,
  ExportOperation,
  ExportResult,
  RunnerBuildOptions,
  RunnerCallOptions,
  RunnerExportOptions,
  RunnerResource,
} from '@imagebuild/core/runner';
import { runBuild } from './build/run-build.js';
import { cleanupJobResources, listJobResources } from './cleanup/job-resources.js';
import { journalResources, sweepBuildJournals } from './cleanup/build-journal.js';
import { removeJobFolders } from './cleanup/job-folders.js';
import type { EngineEndpoint } from './connection/endpoint.js';
import type { EngineConnection } from './connection/engine-connection.js';
import type { EngineDialect } from './dialect.js';
import { discoverEngine, type ReportedAttempt } from './discovery/discover.js';
import { explicitStrategy } from './discovery/explicit-strategy.js';
import type { DiscoveryEnvironment, DiscoveryStrategy } from './discovery/types.js';
import { clearConverterCacheVolumes } from './export/export-volumes.js';
import { ensureConverterImage } from './export/ensure-image.js';
import { runExport } from './export/run-export.js';
import { ociRegistryAccess } from './registry/oci-registry-access.js';
import type { RegistryAccessFactory } from './registry/registry-access.js';

/** Options of a runner (both engines). */
export interface EngineRunnerOptions {
  /** The engine: a socket path or URL (`unix://`, `tcp://`, `ssh://`), or an endpoint with TLS/SSH material. Default: discovery. */
  engine?: string | EngineEndpoint | undefined;
  /** Discovery strategies instead of the dialect's defaults (ignored when `engine` is set). */
  strategies?: readonly DiscoveryStrategy[] | undefined;
  /** Discovery environment (default: the process's). */
  discoveryEnvironment?: DiscoveryEnvironment | undefined;
  /** Called for every discovery attempt. */
  onDiscoveryAttempt?: ((attempt: ReportedAttempt) => void) | undefined;
  /** Receives what the runner decides: each discovery attempt (debug) and its outcome (info). Default: silent. */
  logger?: Logger | undefined;
  /** Runner name (default: `<kind>@<endpoint>`). */
  name?: string | undefined;
  /** Registry access (default: `@imagebuild/oci`). */
  registries?: RegistryAccessFactory | undefined;
  /**
   * Name of the converter's persistent caches (`/store`, `/rpmmd`) on this engine: two engine volumes
   * (`imagebuild-converter-cache-<hash of the name>-store|rpmmd`, label `io.imagebuild.converter-cache`),
   * kept between exports and removed by `clearConverterCache()`; being volumes, they work on a remote
   * engine too. Default: one set per engine endpoint; `false`: no caches.
   */
  converterCache?: string | false | undefined;
  /**
   * Where a local engine reads per-registry CAs (`<dir>/<host:port>/*.crt`); the runner installs a
   * Repository's `ca.crt` there. Default: the engine's own (`/etc/containers/certs.d`,
   * `/etc/docker/certs.d`); `false`: never write one.
   */
  registryCertsDir?: string | false | undefined;
}

/**
 * The one `Runner` implementation: every engine difference is in the `EngineDialect` it is given.
 * The connection is opened (discovered, version negotiated) on first use and reused.
 */
export class EngineRunner implements Runner {
  /** Engine family: the dialect's kind. */
  readonly engine: 'docker' | 'podman';
  readonly #dialect: EngineDialect;
  readonly #options: EngineRunnerOptions;
  readonly #registries: RegistryAccessFactory;
  #connection: Promise<EngineConnection> | undefined;
  /** Converter images being pulled ahead of an export, by reference. */
  readonly #preparing = new Map<string, Promise<void>>();
  #name: string | undefined;

  constructor(dialect: EngineDialect, options: EngineRunnerOptions = {}) {
    this.#dialect = dialect;
    this.engine = dialect.kind;
    this.#options = options;
    this.#registries = options.registries ?? ociRegistryAccess;
    this.#name = options.name;
  }

  /** `options.name`, else `<kind>@<engine>` (the endpoint found, once connected), else the kind. */
  get name(): string {
    if (this.#name) return this.#name;
    const e = this.#options.engine;
    return e === undefined ? this.engine : `${this.engine}@${typeof e === 'string' ? e : e.url}`;
  }

  /** The negotiated connection (opened on first call). */
  connection(signal?: AbortSignal): Promise<EngineConnection> {
    if (!this.#connection) {
      const explicit = this.#options.engine;
      const attempt = discoverEngine({
        strategies:
          explicit !== undefined
            ? [explicitStrategy(explicit)]
            : (this.#options.strategies ?? this.#dialect.strategies),
        expect: this.engine,
        environment: this.#options.discoveryEnvironment,
        onAttempt: this.#options.onDiscoveryAttempt,
        logger: childLogger(this.#options.logger, { runner: this.name }),
        signal,
      }).then((d) => {
        this.#name ??= `${this.engine}@${d.connection.info.endpoint}`;
        return d.connection;
      });
      this.#connection = attempt;
      attempt.catch(() => {
        if (this.#connection === attempt) this.#connection = undefined;
      });
    }
    return this.#connection;
  }

  /** Connects (first call), pings the engine and describes it. Rejects with EngineError. */
  async ping(options: RunnerCallOptions = {}): Promise<EngineInfo> {
    const conn = await this.connection(options.signal);
    await conn.json({ method: 'GET', path: '/_ping', signal: options.signal });
    return conn.info;
  }

  /** Builds and pushes the image (or reuses an equal one at the destination), signs it and pushes its SBOM as asked. */
  build(imageBuild: ImageBuild, repositories: RepositoryLookup, options: RunnerBuildOptions = {}): BuildOperation {
    return new Operation<BuildResult, BuildEvents>(
      async (ctx) =>
        runBuild(
          {
            conn: await this.connection(ctx.signal),
            dialect: this.#dialect,
            registries: this.#registries,
            certsDir: this.#options.registryCertsDir,
          },
          imageBuild,
          repositories,
          options,
          ctx,
        ),
      { signal: options.signal },
      (err) => wrap(this.name, err),
    );
  }

  /** Converts the built image with the converter container and pushes the disk (see `Runner.export`). */
  export(
    imageExport: ImageExport,
    imageBuild: ImageBuild,
    repositories: RepositoryLookup,
    options: RunnerExportOptions = {},
  ): ExportOperation {
    return new Operation<ExportResult, ExportEvents>(
      async (ctx) => {
        // a pull started by prepareExport is awaited, not repeated
        await this.#preparing.get(options.converterImage ?? DEFAULT_CONVERTER_IMAGE)?.catch(() => undefined);
        return runExport(await this.#exportDeps(ctx.signal), imageExport, imageBuild, repositories, options, ctx);
      },
      { signal: options.signal },
      (err) => wrap(this.name, err),
    );
  }

  /** Pulls or refreshes the converter image while a build runs (see `Runner.prepareExport`). */
  prepareExport(options: Pick<RunnerExportOptions, 'converterImage' | 'signal'> = {}): Promise<void> {
    const image = options.converterImage ?? DEFAULT_CONVERTER_IMAGE;
    let pending = this.#preparing.get(image);
    if (!pending) {
      const signal = options.signal ?? new AbortController().signal;
      pending = (async () => {
        const conn = await this.connection(signal);
        await ensureConverterImage(conn, image, () => undefined, signal);
      })()
        .catch((err: unknown) => {
          throw wrap(this.name, err);
        })
        .finally(() => this.#preparing.delete(image));
      this.#preparing.set(image, pending);
    }
    return pending;
  }

  async #exportDeps(signal: AbortSignal): Promise<Parameters<typeof runExport>[0]> {
    const conn = await this.connection(signal);
    return { conn, registries: this.#registries, cacheKey: this.#cacheKey(conn) };
  }

  #cacheKey(conn: EngineConnection): string | undefined {
    const c = this.#options.converterCache;
    return c === false ? undefined : (c ?? `default@${conn.info.endpoint}`);
  }

  /** Removes the converter's persistent caches of this engine (the next export starts cold). */
  async clearConverterCache(options: RunnerCallOptions = {}): Promise<void> {
    const conn = await this.connection(options.signal);
    const key = this.#cacheKey(conn);
    if (key) await clearConverterCacheVolumes(conn, key, options.signal);
  }

  /** Containers and images labelled with the job (all jobs, or `jobId`), and layers its build journal names. */
  async listResources(options: RunnerCallOptions & { jobId?: string | undefined } = {}): Promise<RunnerResource[]> {
    const conn = await this.connection(options.signal);
    const labelled = await listJobResources(conn, options.jobId, options.signal);
    const journalled = await journalResources(conn, options.jobId, options.signal);
    const seen = new Set(labelled.map((r) => r.id));
    return [...labelled, ...journalled.filter((r) => !seen.has(r.id))];
  }

  /**
   * Removes a job's resources (or those of every job not in `keep`); with `jobId`, also its folders on
   * this host (even when the engine is unreachable) and the layers its build journal names.
   */
  async cleanup(
    options: RunnerCallOptions & { jobId?: string | undefined; keep?: readonly string[] | undefined } = {},
  ): Promise<CleanupReport> {
    // The job's folders are on this host: removed even when the engine cannot be reached.
    if (options.jobId !== undefined) await removeJobFolders(options.jobId);
    const conn = await this.connection(options.signal);
    const report = await cleanupJobResources(conn, options);
    if (options.jobId === undefined) return report;
    // layers only the job's build journal names (docker's classic builder labels none of them)
    const journalled = await sweepBuildJournals(conn, options.jobId, options.signal);
    return { removed: [...report.removed, ...journalled.removed], failed: [...report.failed, ...journalled.failed] };
  }

  /** Forgets the connection (the next call opens a new one); running operations go on. */
  async close(): Promise<void> {
    this.#connection = undefined;
  }
}

function wrap(name: string, err: unknown): SdkError {
  if (err instanceof SdkError) return err;
  return new EngineError(name, err instanceof Error ? err.message : String(err), { cause: err });
}
