import { stat } from 'node:fs/promises';
import { ValidationError } from '@imagebuild/core/errors';
import { Operation, type OperationOptions } from '@imagebuild/core/operation';
import { Annotation, MediaType } from './media-types.js';
import { assertDigest, assertRepository } from './reference.js';
import type { RegistryClient } from './registry-client.js';
import type { Descriptor, ImageManifest, Platform } from './types.js';
import { containerDiskTar, containerDiskTarParts } from './containerdisk-tar.js';
import { sha256 } from './internal/digest.js';
import { addToReferrersIndex } from './internal/referrers.js';
import type { UploadProgress } from './upload-options.js';

/** `artifactType` of a KubeVirt containerdisk referrer (Flight Control's qcow2-disk-container). */
export const CONTAINERDISK_ARTIFACT_TYPE = 'application/vnd.kubevirt.containerdisk';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** What `pushContainerDisk` pushes and what it refers to. */
export interface PushContainerDiskOptions {
  /** Repository in the client's registry (the subject's: referrers live beside their subject). */
  repository: string;
  /** The qcow2 disk. */
  file: string;
  /** The platform manifest of the image the disk was made from. */
  subject: Descriptor;
  /** Platform of the image config (default linux/amd64). */
  platform?: Platform | undefined;
  /** `org.opencontainers.image.created` (default: now). */
  created?: string | undefined;
}

/** The pushed containerdisk manifest. */
export interface PushContainerDiskResult {
  /** Digest of the containerdisk manifest (pull it by this digest; it is untagged). */
  digest: string;
  /** Size of the manifest in bytes. */
  size: number;
  /** The manifest's media type (always the OCI image manifest). */
  mediaType: string;
  /** Always `CONTAINERDISK_ARTIFACT_TYPE`. */
  artifactType: string;
  /** The image the disk was made from. */
  subject: Descriptor;
  /** The image config blob (the platform's os and architecture, the layer's diff ID). */
  config: Descriptor;
  /** The tar layer holding `/disk/disk.qcow2`. */
  layer: Descriptor;
  /** Size of the qcow2 file itself. */
  diskSize: number;
  /** True when the client maintained the `sha256-<hex>` referrers tag (registry without the referrers API). */
  referrersTagUpdated: boolean;
}

/** Events of a `PushContainerDiskOperation`. */
export interface PushContainerDiskEvents {
  /** Layer bytes uploaded so far (`bytesTotal` is the layer size, known up front). */
  progress: [progress: UploadProgress];
}

/** A running containerdisk push: `progress` events, `done()`, `abort()`. */
export class PushContainerDiskOperation extends Operation<PushContainerDiskResult, PushContainerDiskEvents> {}

/**
 * Pushes a qcow2 disk as a KubeVirt containerdisk referring to `subject`: a normal, pullable OCI
 * image (config with `rootfs.diff_ids`, one uncompressed tar layer holding `/disk/disk.qcow2` owned
 * by 107:107 with mode 0440) whose manifest also carries `artifactType`
 * `application/vnd.kubevirt.containerdisk`, the `containerdisk` title and `subject`; untagged, as
 * Flight Control pushes it (on a registry without the referrers API, the `sha256-<hex>` tag is kept).
 *
 * Upstream builds this image with `podman build` on `FROM registry.access.redhat.com/ubi9/ubi`,
 * which needs the internet — an air-gap hazard. Here the layer is written directly: the tar headers
 * are fixed-size, so the layer size is known before the first byte and the disk (possibly GBs) is
 * streamed once, hashed on the way, without an engine build and without network access.
 */
export function pushContainerDisk(
  client: RegistryClient,
  options: PushContainerDiskOptions & OperationOptions,
): PushContainerDiskOperation {
  return new PushContainerDiskOperation(
    async ({ signal, emit }) => {
      assertRepository(options.repository);
      assertDigest(options.subject.digest, 'subject.digest');
      const st = await stat(options.file).catch((err: unknown) => {
        throw new ValidationError([{ path: 'file', message: `cannot be read: ${(err as Error).message}` }]);
      });
      const repo = options.repository;
      const { layerSize } = containerDiskTarParts(st.size);
      const layer = await client.uploadBlob(
        repo,
        { stream: containerDiskTar(options.file, st.size, signal) },
        {
          size: layerSize,
          mediaType: MediaType.OciLayerTar,
          onProgress: (p) => emit('progress', p),
          signal,
        },
      );
      const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
      const configJson = {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: {},
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created_by: 'imagebuild: containerdisk /disk/disk.qcow2 (107:107 0440)' }],
      };
      const configBytes = Buffer.from(JSON.stringify(configJson));
      const config = await client.uploadBlob(repo, configBytes, { mediaType: OCI_CONFIG, signal });
      const created = options.created ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const subject: Descriptor = {
        mediaType: options.subject.mediaType,
        digest: options.subject.digest,
        size: options.subject.size,
      };
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: CONTAINERDISK_ARTIFACT_TYPE,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: [{ mediaType: MediaType.OciLayerTar, digest: layer.digest, size: layer.size }],
        subject,
        annotations: { [Annotation.Title]: 'containerdisk', [Annotation.Created]: created },
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      const digest = sha256(bytes);
      const put = await client.putManifest(repo, digest, bytes, { mediaType: MediaType.OciManifest, signal });
      let referrersTagUpdated = false;
      if (!put.subjectProcessed) {
        const referrer: Descriptor = {
          mediaType: MediaType.OciManifest,
          digest,
          size: bytes.length,
          artifactType: CONTAINERDISK_ARTIFACT_TYPE,
        };
        if (manifest.annotations) referrer.annotations = manifest.annotations;
        await addToReferrersIndex(client, repo, subject.digest, referrer, { signal });
        referrersTagUpdated = true;
      }
      return {
        digest,
        size: bytes.length,
        mediaType: MediaType.OciManifest,
        artifactType: CONTAINERDISK_ARTIFACT_TYPE,
        subject,
        config: manifest.config,
        layer: manifest.layers[0]!,
        diskSize: st.size,
        referrersTagUpdated,
      };
    },
    { signal: options.signal },
  );
}
