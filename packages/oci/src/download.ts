import { NotFoundError, RegistryError, ValidationError } from '@imagebuild/core/errors';
import { Operation, type OperationOptions } from '@imagebuild/core/operation';
import { Annotation, isImageManifestMediaType } from './media-types.js';
import { assertDigest, assertRepository, isDigest, isTag } from './reference.js';
import type { RegistryClient } from './registry-client.js';
import type { Descriptor, ImageManifest, Platform } from './types.js';
import type { TransferProgress } from '@imagebuild/core/operation';

/**
 * Bytes of a download on disk so far.
 * @deprecated Use `TransferProgress` of `@imagebuild/core/operation` (the same shape).
 */
export type DownloadProgress = TransferProgress;

/** What a finished download wrote. */
export interface DownloadResult {
  /** The file written (renamed from `<file>.partial` once verified). */
  file: string;
  /** Digest and size of the downloaded blob. */
  digest: string;
  /** Bytes written. */
  size: number;
  /** The artifact manifest's digest (downloads of an artifact only). */
  manifestDigest?: string;
  /** The artifact's type: its `artifactType`, else its config's media type (downloads of an artifact only). */
  artifactType?: string;
  /** `org.opencontainers.image.title` of the layer or the manifest (downloads of an artifact only). */
  title?: string;
}

/** Events of a `DownloadOperation`. */
export interface DownloadEvents {
  /** Bytes on disk so far (a resumed download starts at the bytes already there). */
  progress: [progress: TransferProgress];
}

/** A running download: `progress` events, `done()`, `abort()`. */
export class DownloadOperation extends Operation<DownloadResult, DownloadEvents> {}

/** What `downloadBlob` downloads and where to. */
export interface DownloadBlobOptions {
  /** Repository in the client's registry. */
  repository: string;
  /** The blob's digest. */
  digest: string;
  /** Expected size, when known. */
  size?: number | undefined;
  /** Destination path; `<file>.partial` holds the bytes until they are verified. */
  file: string;
  /**
   * Write to the file with O_DIRECT when its file system takes it (default
   * true): the bytes go from the download's buffers to the disk without a copy
   * into the page cache; falls back by itself where O_DIRECT is refused.
   */
  directIo?: boolean | undefined;
}

/** Downloads one blob to a file: streamed, verified, resumable. */
export function downloadBlob(
  client: RegistryClient,
  options: DownloadBlobOptions & OperationOptions,
): DownloadOperation {
  return new DownloadOperation(
    async ({ signal, emit }) => {
      assertRepository(options.repository);
      assertDigest(options.digest);
      if (!options.file) throw new ValidationError([{ path: 'file', message: 'is required' }]);
      const { size } = await client.downloadBlobToFile({ ...options, signal, onProgress: (p) => emit('progress', p) });
      return { file: options.file, digest: options.digest, size };
    },
    { signal: options.signal },
  );
}

/** Which artifact `downloadArtifact` downloads (by digest, or by subject and type) and where to. */
export interface DownloadArtifactOptions {
  /** Repository in the client's registry (the subject's, for a lookup). */
  repository: string;
  /** Destination path. */
  file: string;
  /** The artifact manifest's digest (Flight Control's `status.manifestDigest`). */
  digest?: string | undefined;
  /** Or: look the artifact up among the referrers of this image (tag, digest or descriptor)... */
  subject?: string | Descriptor | undefined;
  /** ...with this artifactType (the newest by `org.opencontainers.image.created` wins). */
  artifactType?: string | undefined;
  /** Platform an index subject resolves to. */
  platform?: Platform | undefined;
  /** See DownloadBlobOptions.directIo. */
  directIo?: boolean | undefined;
}

/** Finds the newest referrer of `subject` with `artifactType`. */
export async function findArtifact(
  client: RegistryClient,
  repository: string,
  subject: string | Descriptor,
  artifactType: string,
  options: { platform?: Platform | undefined; signal?: AbortSignal | undefined } = {},
): Promise<Descriptor> {
  const subjectDigest =
    typeof subject === 'string'
      ? (await client.resolvePlatformManifest(repository, subject, options.platform, { signal: options.signal })).digest
      : subject.digest;
  const found = await client.listReferrers(repository, subjectDigest, { artifactType, signal: options.signal });
  const newest = [...found]
    .sort((a, b) =>
      (a.annotations?.[Annotation.Created] ?? '').localeCompare(b.annotations?.[Annotation.Created] ?? ''),
    )
    .pop();
  if (!newest)
    throw new NotFoundError(`no ${artifactType} artifact refers to ${client.registry}/${repository}@${subjectDigest}`);
  return newest;
}

/**
 * Downloads an artifact's file: by manifest digest, or by (subject, artifactType)
 * lookup. Streams layer 0 into `<file>.partial`, verifies its digest while
 * streaming, resumes with `Range`, renames to `file` once verified.
 */
export function downloadArtifact(
  client: RegistryClient,
  options: DownloadArtifactOptions & OperationOptions,
): DownloadOperation {
  return new DownloadOperation(
    async ({ signal, emit }) => {
      assertRepository(options.repository);
      if (!options.file) throw new ValidationError([{ path: 'file', message: 'is required' }]);
      let manifestDigest = options.digest;
      if (manifestDigest === undefined) {
        if (options.subject === undefined || options.artifactType === undefined) {
          throw new ValidationError([
            { path: 'digest', message: 'is required unless subject and artifactType are given' },
          ]);
        }
        if (typeof options.subject === 'string' && !isDigest(options.subject) && !isTag(options.subject)) {
          throw new ValidationError([{ path: 'subject', message: 'must be a tag, a digest or a descriptor' }]);
        }
        manifestDigest = (
          await findArtifact(client, options.repository, options.subject, options.artifactType, {
            platform: options.platform,
            signal,
          })
        ).digest;
      }
      assertDigest(manifestDigest);
      const fetched = await client.getManifest(options.repository, manifestDigest, { signal });
      const manifest = fetched.manifest as ImageManifest;
      const layer = Array.isArray(manifest.layers) ? manifest.layers[0] : undefined;
      if (!isImageManifestMediaType(fetched.descriptor.mediaType) || !layer || typeof layer.digest !== 'string') {
        throw new RegistryError(
          client.registry,
          `artifact GET ${options.repository}@${manifestDigest}`,
          'manifest is not an artifact image manifest with a layer',
        );
      }
      assertDigest(layer.digest, 'layers[0].digest');
      const { size } = await client.downloadBlobToFile({
        repository: options.repository,
        digest: layer.digest,
        size: layer.size,
        file: options.file,
        signal,
        directIo: options.directIo,
        onProgress: (p) => emit('progress', p),
      });
      const title = layer.annotations?.[Annotation.Title] ?? manifest.annotations?.[Annotation.Title];
      const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
      return {
        file: options.file,
        digest: layer.digest,
        size,
        manifestDigest,
        ...(artifactType ? { artifactType } : {}),
        ...(title ? { title } : {}),
      };
    },
    { signal: options.signal },
  );
}
