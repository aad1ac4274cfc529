import type { BuildContextOptions } from '../containerfile/build-context.js';
import type { EnrollmentConfig } from '../containerfile/enrollment-config.js';
import type { ConverterConfig, RootFilesystem } from '../converter/config.js';
import type { SbomOptions } from './sbom.js';
import type { SigningOptions } from './signing.js';

/**
 * Label put on every container and temporary image a runner creates, valued with the job id
 * (`RunnerJobOptions.jobId`), so that leftovers of an interrupted job can be found and removed.
 */
export const RUNNER_JOB_LABEL = 'io.imagebuild.job';

/**
 * Label of every pushed image: the build key (sha256 over the normalized spec, the resolved source
 * digest, the enrollment config, the agent source and the generator version). An ImageBuild whose
 * key equals the label of the image at its destination is complete without building.
 */
export const BUILD_KEY_LABEL = 'io.imagebuild.build-key';

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
  /** Build without the engine's layer cache, and without reusing an equal image at the destination. Default false. */
  noCache?: boolean | undefined;
  /** Container network mode for RUN steps (`none`, `host`, or a network name); engine dialect default. */
  networkMode?: string | undefined;
  /** podman only: RUN isolation (`chroot`, `oci`, `rootless`); default `chroot`. */
  isolation?: 'chroot' | 'oci' | 'rootless' | undefined;
  /**
   * Docker only: `buildkit` or `classic`. Default: BuildKit where the engine offers it and can pull
   * the source with it (no source credentials or CA; no HTTPS registry dockerd treats as insecure), else classic.
   */
  builder?: DockerBuilder | undefined;
  /**
   * Keep the locally built image after a successful push. Default false (it is removed). Implies
   * building even when the destination already holds an image with the same build key.
   */
  keepImage?: boolean | undefined;
  /** SBOM after the push (`GeneratingSBOM`): on by default; `false` or `{ enabled: false }` turns it off. */
  sbom?: SbomOptions | false | undefined;
  /** Sign the pushed image (sigstore attachment, before GeneratingSBOM); a signing failure fails the build. */
  sign?: SigningOptions | undefined;
}

export type {
  ConverterConfig,
  ConverterFilesystem,
  ConverterUser,
  RootFilesystem,
} from '../converter/config.js';

/**
 * Default converter: bootc-image-builder pinned by digest (the one upstream Flight Control pins).
 * To move it, see docs/converter.md ("Moving the pinned converter").
 */
export const DEFAULT_CONVERTER_IMAGE =
  'quay.io/centos-bootc/bootc-image-builder@sha256:773019f6b11766ca48170a4a7bf898be4268f3c2acfd0ec1db612408b3092a90';

/** Options of `Runner.export`. */
export interface RunnerExportOptions extends RunnerJobOptions {
  /**
   * Converter image; default `DEFAULT_CONVERTER_IMAGE` (pinned by digest). A tag is refreshed before
   * each export (pull policy `newer`: pulled when the registry has a different image; the local one is
   * used when the registry cannot be reached).
   */
  converterImage?: string | undefined;
  /** `--rootfs`; default `xfs`. */
  rootfs?: RootFilesystem | undefined;
  /** Optional `/config.json` for the converter (validated before any container starts). */
  converterConfig?: ConverterConfig | undefined;
  /** `--chown UID[:GID]` of the converter's output. */
  chown?: string | undefined;
  /** `--use-librepo` (the converter's default when unset). */
  useLibrepo?: boolean | undefined;
  /** `--installer-payload-ref` for `bootc-installer`; default: the image's destination tag. */
  installerPayloadRef?: string | undefined;
  /** Convert even when an artifact with the same image, format and converter configuration exists. Default false. */
  noReuse?: boolean | undefined;
  /**
   * The built image to convert, `registry/name:tag` or `registry/name@sha256:…`. Default: the
   * ImageBuild's `status.imageReference` (pinned by `status.manifestDigest` when set), else its destination.
   */
  imageReference?: string | undefined;
  /** Sign the pushed artifact (sigstore attachment); a signing failure fails the export. */
  sign?: SigningOptions | undefined;
}
