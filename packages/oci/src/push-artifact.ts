import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { ValidationError } from '@imagebuild/core/errors';
import { Operation, type OperationOptions } from '@imagebuild/core/operation';
import { Annotation, EMPTY_CONFIG_DATA, EMPTY_CONFIG_DIGEST, MediaType } from './media-types.js';
import type { ImageRef } from '@imagebuild/core/refs';
import { assertDigest, assertRepository, isDigest, isTag } from './reference.js';
import type { RegistryClient } from './registry-client.js';
import type { Descriptor, ImageManifest, Platform } from './types.js';
import { sha256 } from './internal/digest.js';
import { addToReferrersIndex } from './internal/referrers.js';
import type { UploadProgress, UploadSessionEnd } from './upload-options.js';

const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/;

/** What `pushArtifact` pushes and what it refers to. */
export interface PushArtifactOptions {
  /** Repository in the client's registry, e.g. `apps/os` (the image's repository: referrers live beside their subject). */
  repository: string;
  /** The file to push as the artifact's single layer (or `stream`). */
  file?: string | undefined;
  /**
   * Instead of `file`: the layer's bytes as they are produced (e.g. read out of a container engine);
   * hashed while uploading, never written to disk. Needs `title`.
   */
  stream?: Readable | AsyncIterable<Uint8Array> | undefined;
  /** e.g. `application/vnd.qcow2`, `application/vnd.vmdk`, `application/vnd.iso`. */
  artifactType: string;
  /** The image it refers to: a tag, a digest, `registry/repository:tag` in the same repository, or a descriptor. */
  subject: string | Descriptor;
  /** Platform an index subject resolves to (default linux/amd64, or the index's only manifest). */
  platform?: Platform | undefined;
  /** `org.opencontainers.image.title` (default: the file's base name). */
  title?: string | undefined;
  /** Extra manifest annotations. */
  annotations?: Record<string, string> | undefined;
  /** Layer media type (default `application/vnd.oci.image.layer.v1.tar`, as Flight Control pushes). */
  layerMediaType?: string | undefined;
  /** Optional tag for the artifact manifest (Flight Control pushes untagged). */
  tag?: string | undefined;
  /** The file's digest when already known: enables skip-if-present and a monolithic upload. */
  fileDigest?: string | undefined;
}

/** The pushed artifact manifest. */
export interface PushArtifactResult {
  /** Digest of the artifact manifest (Flight Control's `status.manifestDigest`). */
  digest: string;
  /** Size of the manifest in bytes. */
  size: number;
  /** The manifest's media type (always the OCI image manifest). */
  mediaType: string;
  /** The `artifactType` asked for. */
  artifactType: string;
  /** The platform manifest the artifact refers to. */
  subject: Descriptor;
  /** The uploaded file's descriptor. */
  layer: Descriptor;
  /** True when the client maintained the `sha256-<hex>` referrers tag (registry without the referrers API). */
  referrersTagUpdated: boolean;
}

/** Events of a `PushArtifactOperation`. */
export interface PushArtifactEvents {
  /** Bytes of the file uploaded so far. */
  progress: [progress: UploadProgress];
  /** An upload session ended (committed, deleted or invalidated by the registry). */
  'upload-session': [session: UploadSessionEnd];
}

/** A running artifact push: `progress` events, `done()`, `abort()`. */
export class PushArtifactOperation extends Operation<PushArtifactResult, PushArtifactEvents> {}

function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function validate(client: RegistryClient, o: PushArtifactOptions): Promise<{ subjectRef: string | Descriptor }> {
  assertRepository(o.repository);
  const issues: { path: string; message: string }[] = [];
  if (!MEDIA_TYPE.test(o.artifactType))
    issues.push({ path: 'artifactType', message: 'must be a media type like application/vnd.qcow2' });
  if (o.layerMediaType !== undefined && !MEDIA_TYPE.test(o.layerMediaType))
    issues.push({ path: 'layerMediaType', message: 'must be a media type' });
  if (o.tag !== undefined && !isTag(o.tag)) issues.push({ path: 'tag', message: 'must match ^[\\w][\\w.-]{0,127}$' });
  if (!o.file === !o.stream) issues.push({ path: 'file', message: 'exactly one of file and stream is required' });
  if (o.stream && !o.title) issues.push({ path: 'title', message: 'is required with stream' });
  if (issues.length) throw new ValidationError(issues, { subject: 'pushArtifact options' });
  if (o.fileDigest !== undefined) assertDigest(o.fileDigest, 'fileDigest');
  if (typeof o.subject !== 'string') {
    assertDigest(o.subject.digest, 'subject.digest');
    return { subjectRef: o.subject };
  }
  if (isDigest(o.subject) || isTag(o.subject)) return { subjectRef: o.subject };
  const ref = await subjectRef(o.subject);
  if (ref.registry !== client.registry || ref.repository !== o.repository) {
    throw new ValidationError([
      {
        path: 'subject',
        message: `must be in ${client.registry}/${o.repository} (referrers live beside their subject), got ${ref.registry}/${ref.repository}`,
      },
    ]);
  }
  const r = ref.digest ?? ref.tag;
  if (!r) throw new ValidationError([{ path: 'subject', message: 'must name a tag or a digest' }]);
  return { subjectRef: r };
}

/**
 * A full subject reference, by core's one parser; its problems are reported on `subject`. Loaded on
 * first use: core's root module costs ~18 MiB of RSS, which a push that names its subject by tag or
 * digest (the usual case) should not pay.
 */
async function subjectRef(subject: string): Promise<ImageRef> {
  const { parseImageRef } = await import('@imagebuild/core/refs');
  let ref: ImageRef;
  try {
    ref = parseImageRef(subject);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.issues.map((i) => ({ ...i, path: 'subject' })),
      { cause: err },
    );
  }
  if (ref.digest !== undefined) assertDigest(ref.digest, 'subject (digest)');
  return ref;
}

/**
 * Pushes `file` as an OCI 1.1 artifact referring to `subject`, the way Flight
 * Control (oras-go) does: empty config, one layer titled with the file name,
 * `artifactType`, `subject` = the platform manifest, `created` annotation.
 * On a registry without the referrers API the `sha256-<hex>` tag is maintained.
 */
export function pushArtifact(
  client: RegistryClient,
  options: PushArtifactOptions & OperationOptions,
): PushArtifactOperation {
  return new PushArtifactOperation(
    async ({ signal, emit }) => {
      const { subjectRef } = await validate(client, options);
      const repo = options.repository;
      const subject =
        typeof subjectRef === 'string'
          ? await client.resolvePlatformManifest(repo, subjectRef, options.platform, { signal })
          : { mediaType: subjectRef.mediaType, digest: subjectRef.digest, size: subjectRef.size };
      await client.uploadBlob(repo, Buffer.from(EMPTY_CONFIG_DATA), {
        digest: EMPTY_CONFIG_DIGEST,
        mediaType: MediaType.OciEmpty,
        signal,
      });
      const title = options.title ?? basename(options.file ?? '');
      const layer = await client.uploadBlob(
        repo,
        options.stream ? { stream: options.stream } : { file: options.file as string },
        {
          digest: options.fileDigest,
          mediaType: options.layerMediaType ?? MediaType.OciLayerTar,
          onProgress: (p) => emit('progress', p),
          onSession: (s) => emit('upload-session', s),
          signal,
        },
      );
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: options.artifactType,
        config: { mediaType: MediaType.OciEmpty, digest: EMPTY_CONFIG_DIGEST, size: 2, data: 'e30=' },
        layers: [{ ...layer, annotations: { [Annotation.Title]: title } }],
        subject,
        annotations: {
          ...options.annotations,
          [Annotation.Title]: title,
          [Annotation.Created]: options.annotations?.[Annotation.Created] ?? rfc3339Now(),
        },
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      const digest = sha256(bytes);
      const put = await client.putManifest(repo, options.tag ?? digest, bytes, {
        mediaType: MediaType.OciManifest,
        signal,
      });
      let referrersTagUpdated = false;
      if (!put.subjectProcessed) {
        const referrer: Descriptor = {
          mediaType: MediaType.OciManifest,
          digest,
          size: bytes.length,
          artifactType: options.artifactType,
        };
        if (manifest.annotations) referrer.annotations = manifest.annotations;
        await addToReferrersIndex(client, repo, subject.digest, referrer, { signal });
        referrersTagUpdated = true;
      }
      return {
        digest,
        size: bytes.length,
        mediaType: MediaType.OciManifest,
        artifactType: options.artifactType,
        subject,
        layer,
        referrersTagUpdated,
      };
    },
    { signal: options.signal },
  );
}
