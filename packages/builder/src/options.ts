import type { Logger, Runner } from '@imagebuild/core';
import type { EnrollmentConfig } from '@imagebuild/core/containerfile';
import type { RunnerBuildOptions, RunnerExportOptions } from '@imagebuild/core/runner';
import type { Store } from './store/store.js';

/** A runner in the pool, with its own concurrency limit. */
export interface PoolEntry {
  /** The runner. */
  runner: Runner;
  /** Jobs this runner may run at once. Default: `perRunnerConcurrency`. */
  concurrency?: number | undefined;
  /**
   * With a shared store: jobs on this runner's engine at once across every builder process that reaches
   * it. Engines are told apart by the endpoint the runner reached (a unix socket together with its host).
   * Default: no such limit (each process keeps only its own `concurrency`).
   */
  sharedConcurrency?: number | undefined;
}

/** What `new ImageBuilder()` takes. */
export interface ImageBuilderOptions {
  /**
   * The runner pool (one per engine). Jobs go to an available runner with a free slot, least loaded first.
   * With a shared store it may be empty: the process then serves the API and runs no job.
   */
  runners: ReadonlyArray<Runner | PoolEntry>;
  /**
   * Receives what the builder decides: runners going down and coming back, job placement, the
   * start-up sweep, and each runner's engine discovery (when the runners have no logger of their
   * own, give them `childLogger(logger, …)`). Default: silent. Records are redacted.
   */
  logger?: Logger | undefined;
  /**
   * Persistence. Default: a `MemoryStore`. Use `SqliteStore` to survive restarts, or a shared store
   * (`PostgresStore` of `@imagebuild/store-postgres`) to run several builder processes on one queue:
   * each claims jobs when it has a free slot, and every process sees, logs and cancels every job.
   */
  store?: Store | undefined;
  /**
   * With a shared store: how long a job's lease lasts without renewal (renewed every second). A
   * process that stops renewing (killed, cut off) loses its jobs this long after its last renewal:
   * another process ends them Failed ("builder process lost") or, if they had not started, runs them.
   * Default 15,000.
   */
  leaseMs?: number | undefined;
  /** With a shared store: jobs running at once across every process sharing it. Default: no such limit. */
  globalConcurrency?: number | undefined;
  /** Jobs running at once across the pool. Default 2 (upstream's `maxConcurrentBuilds`). */
  concurrency?: number | undefined;
  /** Default per-runner limit. Default: `concurrency`. */
  perRunnerConcurrency?: number | undefined;
  /** A running job with no output or progress for this long fails with "timed out". Default 180,000 (3 min). */
  staleAfterMs?: number | undefined;
  /** Optional overall limit per job (upstream has none). */
  maxDurationMs?: number | undefined;
  /** How often running jobs are checked for staleness and `status.lastSeen` is refreshed. Default: min(staleAfterMs / 4, 30 s). */
  heartbeatIntervalMs?: number | undefined;
  /** Directory of the job logs (whole logs, one file each). Default: a new temporary directory, removed by `close()`. */
  logDir?: string | undefined;
  /** Recent lines of a running job kept in memory. Default 1,000. */
  logTailLines?: number | undefined;
  /** Enrollment configuration for early-binding builds (without it, early-binding builds are rejected). */
  enrollmentConfig?: EnrollmentConfig | undefined;
  /** Extra options for every `runner.build` (jobId, signal and enrollmentConfig are set by the builder). */
  buildOptions?: Omit<RunnerBuildOptions, 'jobId' | 'signal' | 'enrollmentConfig'> | undefined;
  /** Extra options for every `runner.export` (e.g. `converterImage`). */
  exportOptions?: Omit<RunnerExportOptions, 'jobId' | 'signal'> | undefined;
  /**
   * Key sealing Repository passwords before they reach the store (AES-256-GCM; a passphrase or 32 bytes).
   * Default: a random per-process key — passwords then do not survive a restart of a durable store
   * (re-apply the Repository) but never reach its file in clear. A shared store needs it, the same in
   * every process (each must read what another sealed).
   */
  credentialKey?: string | Uint8Array | undefined;
  /** How long `delete` waits for each cancel to finish. Default 30,000 (upstream's `deleteCancelTimeout`). */
  deleteCancelTimeoutMs?: number | undefined;
  /** How long a runner's failed `ping` keeps it out of the pool. Default 5,000. */
  pingRetryMs?: number | undefined;
  /**
   * How long a queued job waits when no runner reaches its engine. Meanwhile its Ready message
   * carries every runner's discovery report; then it fails (Failed, with that report).
   * Default 120,000 (2 min). While such a job waits, its timer keeps the process alive.
   */
  placementTimeoutMs?: number | undefined;
  /**
   * On start, remove what earlier jobs left behind: engine leftovers of the store's interrupted jobs,
   * and the labelled containers and images, export and secret folders and default log folders of
   * jobs whose process is gone (on this host). Default true.
   */
  cleanupOnStart?: boolean | undefined;
  /**
   * On SIGINT, SIGTERM or SIGHUP, close the builder (running jobs are aborted and clean up after
   * themselves), then let the signal take its course: the process ends by it unless the program
   * listens to it too. Default true; false leaves signals to the program (call `close()` yourself).
   */
  handleSignals?: boolean | undefined;
}
