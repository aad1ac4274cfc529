import type { SbomResult } from './sbom.js';
import type { SignatureResult } from './signing.js';

/** What a successful build resolves to. */
export interface BuildResult {
  /** The pushed reference, `registry/name:tag` (the ImageBuild's destination). */
  reference: string;
  /** Digest of the manifest the tag points to (an index or a single-platform manifest). */
  manifestDigest: string;
  /** Digest of the platform manifest (equal to `manifestDigest` unless the tag points to an index). */
  platformManifestDigest: string;
  /** OCI platform of the built image, e.g. `linux/amd64`. */
  platform: string;
  /** The SBOM pushed as a referrer of the platform manifest (GeneratingSBOM succeeded). */
  sbom?: SbomResult | undefined;
  /** Why no SBOM was pushed (GeneratingSBOM failed; the build still succeeded, as upstream). */
  sbomError?: string | undefined;
  /** The image's signature, when signing was asked for. */
  signature?: SignatureResult | undefined;
}

/** What a successful export resolves to. */
export interface ExportResult {
  /** Digest of the pushed artifact manifest (the referrer of the built image). */
  manifestDigest: string;
  /** Media type of the artifact manifest (`application/vnd.oci.image.manifest.v1+json`). */
  mediaType: string;
  /** The artifact's `artifactType`, e.g. `application/vnd.qcow2`. */
  artifactType: string;
  /**
   * Size in bytes of the artifact's layer: the disk file itself, or for `qcow2-disk-container` the
   * containerdisk's tar layer (the disk plus 2.5 KiB of tar headers and trailer).
   */
  size: number;
  /** Digest of the layer blob (the disk file; for `qcow2-disk-container` the tar holding `/disk/disk.qcow2`). */
  layerDigest: string;
  /** The image the artifact refers to, `registry/name@sha256:…` (its platform manifest). */
  subject: string;
  /** The artifact's signature, when signing was asked for. */
  signature?: SignatureResult | undefined;
}

/** Identity of the engine behind a runner, as answered by `/_ping` and `/version`. */
export interface EngineInfo {
  /** Which engine answered. */
  kind: 'docker' | 'podman';
  /** Engine version, e.g. `4.3.1` or `20.10.24`. */
  version: string;
  /** Docker API version negotiated for this connection, e.g. `1.41`. */
  apiVersion: string;
  /** Libpod API version (podman only). */
  libpodApiVersion: string | undefined;
  /** Engine platform, e.g. `linux/amd64`. */
  platform: string;
  /** Where the engine was reached (`unix:///path`, `tcp://host:port`, `ssh://…`), credentials removed. */
  endpoint: string;
}

/** One engine resource created by a runner for a job. */
export interface RunnerResource {
  /** What sort of engine object it is. */
  kind: 'container' | 'image' | 'volume';
  /** The engine's id of the object. */
  id: string;
  /** Value of the `io.imagebuild.job` label. */
  jobId: string;
}

/** What `cleanup()` removed, and what it could not remove (with why). */
export interface CleanupReport {
  /** Resources removed. */
  removed: RunnerResource[];
  /** Resources it could not remove, each with why. */
  failed: Array<RunnerResource & { reason: string }>;
}
