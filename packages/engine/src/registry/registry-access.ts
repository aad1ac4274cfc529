import type { Repository } from '@imagebuild/core';

/** A descriptor as the runner needs it. */
export interface ManifestRef {
  /** Media type of the manifest. */
  mediaType: string;
  /** `sha256:<hex>`. */
  digest: string;
  /** Size in bytes. */
  size: number;
}

/** Progress of an artifact upload. */
export interface ArtifactPushProgress {
  /** Bytes uploaded so far. */
  bytesDone: number;
  /** Size of the upload, when known. */
  bytesTotal: number | undefined;
}

/** What the runner needs from a registry (implemented over `@imagebuild/oci`). */
export interface RegistryAccess {
  /** Checks reachability, TLS and credentials (`GET /v2/`). */
  ping(signal: AbortSignal): Promise<void>;
  /** Digest of what `reference` (tag or digest) points to. */
  head(repository: string, reference: string, signal: AbortSignal): Promise<ManifestRef | undefined>;
  /** Checks push access to `repository` (an upload session started and cancelled; nothing written). */
  checkPush(repository: string, signal: AbortSignal): Promise<void>;
  /**
   * The labels of the image `reference` resolves to for `platform` (from its config blob), with
   * its manifest and platform manifest; undefined when the reference does not exist.
   */
  imageLabels(
    repository: string,
    reference: string,
    platform: string,
    signal: AbortSignal,
  ): Promise<{ manifest: ManifestRef; platformManifest: ManifestRef; labels: Record<string, string> } | undefined>;
  /** The platform manifest `reference` resolves to (an index resolved to `platform`). */
  resolvePlatform(repository: string, reference: string, platform: string, signal: AbortSignal): Promise<ManifestRef>;
  /** Pushes a file, or a stream hashed while it is uploaded, as an OCI artifact referring to `subject`. */
  pushArtifact(
    request: {
      repository: string;
      /** The layer as a file, or: */
      file?: string | undefined;
      /** the layer as a stream of its bytes (hashed while uploaded, never on disk). */
      stream?: AsyncIterable<Uint8Array> | undefined;
      subject: ManifestRef;
      artifactType: string;
      title: string;
      /** Extra manifest annotations (the export's reuse key). */
      annotations?: Record<string, string> | undefined;
      /** Layer media type (default `application/vnd.oci.image.layer.v1.tar`, as Flight Control pushes disks). */
      layerMediaType?: string | undefined;
      onProgress: (p: ArtifactPushProgress) => void;
    },
    signal: AbortSignal,
  ): Promise<ManifestRef & { artifactType: string; layerDigest: string; layerSize: number }>;
  /**
   * Pushes a qcow2 file as a KubeVirt containerdisk (a pullable image whose layer holds
   * `/disk/disk.qcow2`) referring to `subject`. `layerDigest`/`layerSize` describe the tar layer.
   */
  pushContainerDisk(
    request: {
      repository: string;
      file: string;
      subject: ManifestRef;
      platform: string;
      onProgress: (p: ArtifactPushProgress) => void;
    },
    signal: AbortSignal,
  ): Promise<ManifestRef & { artifactType: string; layerDigest: string; layerSize: number }>;
  /** Releases the client's connections. */
  close(): Promise<void>;
}

/** Opens registry access for a Repository. */
export type RegistryAccessFactory = (repository: Repository) => RegistryAccess;
