import type { Operation } from '../operation/index.js';
import type { ImageBuild } from '../resources/image-build.js';
import type { ImageExport } from '../resources/image-export.js';
import type { RepositoryLookup } from '../resources/cross-check.js';
import type { BuildEvents, ExportEvents } from './events.js';
import type { RunnerBuildOptions, RunnerCallOptions, RunnerExportOptions } from './options.js';
import type { BuildResult, CleanupReport, EngineInfo, ExportResult, RunnerResource } from './results.js';

/**
 * A running build: events `phase` (Building → Pushing), `log`, `progress`, `end`;
 * `done()` resolves to the pushed image. Failures reject with `BuildError`, `PushError`,
 * `RegistryError`, `EngineError` or `AbortError`.
 */
export type BuildOperation = Operation<BuildResult, BuildEvents>;

/**
 * A running export: events `phase` (Converting → Pushing), `log`, `progress`, `end`;
 * `done()` resolves to the pushed artifact. Failures reject with `ConversionError`
 * (exit code + output tail), `RegistryError`, `EngineError` or `AbortError`.
 */
export type ExportOperation = Operation<ExportResult, ExportEvents>;

/**
 * Builds and exports images on one container engine. Implementations: `@imagebuild/runner-podman`
 * and `@imagebuild/runner-docker`.
 *
 * Every container and temporary image a runner creates carries the label
 * `io.imagebuild.job=<jobId>`; every outcome (success, failure, abort) removes them, and
 * `cleanup()` removes what an interrupted process left behind.
 */
export interface Runner {
  /** Name of this runner (unique within a pool), e.g. `podman` or `docker@unix:///var/run/docker.sock`. */
  readonly name: string;
  /** Engine family. */
  readonly engine: 'docker' | 'podman';

  /** Contacts the engine (negotiating the API version) and describes it. Rejects with `EngineError`. */
  ping(options?: RunnerCallOptions): Promise<EngineInfo>;

  /**
   * Builds the image of `imageBuild` (Containerfile and context from core) and pushes it to the
   * destination. `repositories` (an array or a Map by name) must include the source and destination Repositories (by
   * `metadata.name`); their credentials, CA and scheme are used for pull and push.
   */
  build(imageBuild: ImageBuild, repositories: RepositoryLookup, options?: RunnerBuildOptions): BuildOperation;

  /**
   * Converts the image built by `imageBuild` to `imageExport.spec.format` with the converter
   * container and pushes the file as an OCI artifact whose `subject` is the built image.
   */
  export(
    imageExport: ImageExport,
    imageBuild: ImageBuild,
    repositories: RepositoryLookup,
    options?: RunnerExportOptions,
  ): ExportOperation;

  /**
   * Optional: gets the engine ready for an export while its build still runs, so the export starts
   * converting at once: the converter image is pulled when missing, or refreshed (pull policy
   * `newer`). Best effort; the export itself reports what fails here.
   */
  prepareExport?(options?: Pick<RunnerExportOptions, 'converterImage' | 'signal'>): Promise<void>;

  /** Lists containers and images carrying the job label (all jobs, or one `jobId`). */
  listResources(options?: RunnerCallOptions & { jobId?: string | undefined }): Promise<RunnerResource[]>;

  /**
   * Removes (force) every container, then every image, labelled with `jobId` — or with any job id
   * except those in `keep` when `jobId` is omitted (restart recovery of jobs no longer running).
   */
  cleanup(
    options?: RunnerCallOptions & { jobId?: string | undefined; keep?: readonly string[] | undefined },
  ): Promise<CleanupReport>;

  /** Releases the connection. Running operations are not aborted. */
  close(): Promise<void>;
}
