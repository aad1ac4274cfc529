import type { BuildContextOptions } from '../containerfile/build-context.js';
import type { EnrollmentConfig } from '../containerfile/enrollment-config.js';
import type { SbomOptions } from './sbom.js';
import type { SigningOptions } from './signing.js';

/**
 * Label put on every container and temporary image a runner creates, valued with the job id
 * (`RunnerJobOptions.jobId`), so that leftovers of an interrupted job can be found and removed.
 */
export const RUNNER_JOB_LABEL = 'io.imagebuild.job';

/** Options every runner call accepts. */
export interface RunnerCallOptions {
  /** Aborting it cancels the call (the operation stops the engine's work and cleans up). */
  signal?: AbortSignal | undefined;
}

/** Options of a long runner job (build or export). */
export interface RunnerJobOptions extends RunnerCallOptions {
  /**
   * Job id stored in the `io.imagebuild.job` label of everything the job creates. Defaults to
   * a fresh random id; the orchestrator passes the resource's uid so restart recovery can clean up.
   */
  jobId?: string | undefined;
  /** OCI platform `os/arch[/variant]`; default: the engine's own platform. */
  platform?: string | undefined;
}

/** Docker Engine builder selection (ignored by podman). */
export type DockerBuilder = 'classic' | 'buildkit';

/** Options of `Runner.build`. */
export interface RunnerBuildOptions extends RunnerJobOptions {
  /**
   * Early-binding enrollment configuration (rendered to the agent's `/etc/flightctl/config.yaml`).
   * Required for early binding. An object, or the agent `config.yaml` text.
   */
  enrollmentConfig?: EnrollmentConfig | string | undefined;
  /** Further options for core's `createBuildContext` (agent package source, dnf options, vmTools). */
  context?: Omit<BuildContextOptions, 'enrollment'> | undefined;
  /** Build without the engine's layer cache. Default false. */
  noCache?: boolean | undefined;
  /** Container network mode for RUN steps (`none`, `host`, or a network name); engine dialect default. */
  networkMode?: string | undefined;
  /** podman only: RUN isolation (`chroot`, `oci`, `rootless`); default `chroot`. */
  isolation?: 'chroot' | 'oci' | 'rootless' | undefined;
  /** Docker only: `classic` (default) or `buildkit`. */
  builder?: DockerBuilder | undefined;
  /** Keep the locally built image after a successful push. Default false (it is removed). */
  keepImage?: boolean | undefined;
  /** SBOM after the push (`GeneratingSBOM`): on by default; `false` or `{ enabled: false }` turns it off. */
  sbom?: SbomOptions | false | undefined;
  /** Sign the pushed image (sigstore attachment, before GeneratingSBOM); a signing failure fails the build. */
  sign?: SigningOptions | undefined;
}

/** A user the converter adds to the disk image (bootc-image-builder `customizations.user`). */
export interface ConverterUser {
  name: string;
  /** Crypted or plain password; treated as a secret (never logged, removed after the run). */
  password?: string | undefined;
  /** SSH public key. */
  key?: string | undefined;
  groups?: readonly string[] | undefined;
}

/** A filesystem size request (bootc-image-builder `customizations.filesystem`). */
export interface ConverterFilesystem {
  mountpoint: string;
  /** e.g. `10 GiB`. */
  minsize: string;
}

/** Converter configuration, serialised to bootc-image-builder's `/config.json`. */
export interface ConverterConfig {
  users?: readonly ConverterUser[] | undefined;
  /** Extra kernel arguments (`customizations.kernel.append`). */
  kernelArgs?: readonly string[] | undefined;
  filesystems?: readonly ConverterFilesystem[] | undefined;
}

/** Root filesystem types bootc-image-builder accepts for `--rootfs`. */
export type RootFilesystem = 'xfs' | 'ext4' | 'btrfs';

/** Default converter image. */
export const DEFAULT_CONVERTER_IMAGE = 'quay.io/centos-bootc/bootc-image-builder:latest';

/** Options of `Runner.export`. */
export interface RunnerExportOptions extends RunnerJobOptions {
  /** Converter image; default `quay.io/centos-bootc/bootc-image-builder:latest`. It must be present on the engine or pullable. */
  converterImage?: string | undefined;
  /** `--rootfs`; default `xfs`. */
  rootfs?: RootFilesystem | undefined;
  /** Optional `/config.json` for the converter. */
  converterConfig?: ConverterConfig | undefined;
  /**
   * The built image to convert, `registry/name:tag` or `registry/name@sha256:…`. Default: the
   * ImageBuild's `status.imageReference` (pinned by `status.manifestDigest` when set), else its destination.
   */
  imageReference?: string | undefined;
  /** Sign the pushed artifact (sigstore attachment); a signing failure fails the export. */
  sign?: SigningOptions | undefined;
}
