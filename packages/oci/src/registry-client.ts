import { RegistryError, ValidationError } from '@imagebuild/core/errors';
import type { CallOptions } from '@imagebuild/core/operation';
import { optionsFromRepository, type OciRepositoryLike, type RegistryClientOptions } from './client-options.js';
import { MANIFEST_ACCEPT, MediaType, isIndexMediaType } from './media-types.js';
import { assertDigest, assertReference, assertRegistry, assertRepository, isDigest } from './reference.js';
import type { BlobResponse, Descriptor, FetchedManifest, ImageIndex, ImageManifest, Platform } from './types.js';
import { sha256, verifyDigest } from './internal/digest.js';
import { parseJson, readLimited } from './internal/read-body.js';
import { discard, readErrorBody } from './internal/registry-errors.js';
import { Transport } from './internal/transport.js';
import { uploadBlob } from './internal/upload.js';
import type { BlobSource, UploadOptions } from './upload-options.js';
import { UploadSession } from './internal/upload-session.js';
import { listReferrers } from './internal/referrers.js';
import type { ListReferrersOptions } from './referrers.js';
import { selectPlatform } from './internal/platform.js';
import { nextLink } from './internal/link-header.js';
import type { RegistryApi } from './internal/registry-api.js';
import { downloadToFile } from './internal/download-file.js';
import type { BlobFileDownload } from './types.js';

const MAX_MANIFEST = 4 * 1024 * 1024;
const pull = (repo: string): string => `repository:${repo}:pull`;
const push = (repo: string): string => `repository:${repo}:pull,push`;

/**
 * A distribution-spec client for one registry (repositories are per-call
 * arguments). Holds a connection pool and cached tokens: reuse it, `close()` it.
 */
export class RegistryClient implements RegistryApi {
  /** The registry's `host[:port]`, as given in the options. */
  readonly registry: string;
  readonly #transport: Transport;
  /** Chunk size of uploads with an unknown digest; `Infinity` (default) sends a file in one `PATCH`. */
  readonly chunkSize: number;
  /** Largest manifest / index / tag list read (`maxManifestBytes`). */
  readonly maxManifestBytes: number;

  constructor(options: RegistryClientOptions) {
    assertRegistry(options.registry);
    this.registry = options.registry;
    this.#transport = new Transport(options);
    if (options.chunkSize !== undefined && !(options.chunkSize >= 1)) {
      throw new ValidationError([{ path: 'chunkSize', message: 'must be a positive number of bytes' }]);
    }
    this.chunkSize = options.chunkSize ?? Number.POSITIVE_INFINITY;
    this.maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST;
  }

  /** A client for the registry of a Flight Control `Repository` resource (scheme, ociAuth, ca.crt, skipServerVerification). */
  static fromRepository(repository: OciRepositoryLike, overrides: Partial<RegistryClientOptions> = {}): RegistryClient {
    return new RegistryClient(optionsFromRepository(repository, overrides));
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** `GET /v2/`: checks reachability, TLS and credentials. */
  async ping(options: CallOptions = {}): Promise<void> {
    const res = await this.#transport.send({
      method: 'GET',
      path: '/v2/',
      scope: '',
      operation: 'ping',
      signal: options.signal,
    });
    await readErrorBody(res.body);
  }

  /** `HEAD` a manifest; undefined when it does not exist. */
  async headManifest(
    repository: string,
    reference: string,
    options: CallOptions = {},
  ): Promise<Descriptor | undefined> {
    assertRepository(repository);
    assertReference(reference);
    const res = await this.#transport.send({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pull(repository),
      operation: `manifest HEAD ${repository}:${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      accept: [404],
      signal: options.signal,
    });
    discard(res.body);
    if (res.status === 404) return undefined;
    const digest = res.headers['docker-content-digest'] ?? (isDigest(reference) ? reference : undefined);
    const size = Number(res.headers['content-length']);
    if (!digest || !Number.isFinite(size)) return (await this.getManifest(repository, reference, options)).descriptor;
    return { mediaType: (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '', digest, size };
  }

  /** `GET` a manifest (verified against its digest when fetched by digest). */
  async getManifest(repository: string, reference: string, options: CallOptions = {}): Promise<FetchedManifest> {
    assertRepository(repository);
    assertReference(reference);
    const operation = `manifest GET ${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.#transport.send({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pull(repository),
      operation,
      headers: { accept: MANIFEST_ACCEPT },
      signal: options.signal,
    });
    const bytes = await readLimited(res.body, this.maxManifestBytes, this.registry, operation);
    if (isDigest(reference)) verifyDigest(reference, bytes);
    const manifest = parseJson<ImageManifest | ImageIndex>(bytes, this.registry, operation);
    if (typeof manifest !== 'object' || manifest === null || manifest.schemaVersion !== 2) {
      throw new RegistryError(this.registry, operation, 'response is not a schemaVersion 2 manifest');
    }
    const headerType = (res.headers['content-type'] ?? '').split(';')[0]?.trim();
    const mediaType =
      manifest.mediaType ?? (headerType || ('manifests' in manifest ? MediaType.OciIndex : MediaType.OciManifest));
    const descriptor: Descriptor = { mediaType, digest: sha256(bytes), size: bytes.length };
    if (manifest.artifactType) descriptor.artifactType = manifest.artifactType;
    const etag = res.headers['etag'];
    return { descriptor, bytes, manifest, ...(etag ? { etag } : {}) };
  }

  /**
   * `PUT` a manifest under a tag or its digest. `subjectProcessed` is true
   * when the registry answered with `OCI-Subject` (it maintains referrers itself).
   */
  async putManifest(
    repository: string,
    reference: string,
    manifest: Buffer | ImageManifest | ImageIndex,
    options: CallOptions & { mediaType?: string; ifMatch?: string } = {},
  ): Promise<{ descriptor: Descriptor; subjectProcessed: boolean }> {
    assertRepository(repository);
    assertReference(reference);
    const bytes = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    const parsed = Buffer.isBuffer(manifest)
      ? parseJson<{ mediaType?: string }>(bytes, this.registry, 'manifest PUT')
      : manifest;
    const mediaType = options.mediaType ?? parsed.mediaType ?? MediaType.OciManifest;
    const digest = sha256(bytes);
    if (isDigest(reference) && reference !== digest) assertDigest(digest, 'manifest digest');
    const res = await this.#transport.send({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: push(repository),
      operation: `manifest PUT ${repository}${isDigest(reference) ? '@' : ':'}${reference}`,
      headers: {
        'content-type': mediaType,
        'content-length': String(bytes.length),
        ...(options.ifMatch ? { 'if-match': options.ifMatch } : {}),
      },
      body: bytes,
      signal: options.signal,
    });
    await readErrorBody(res.body);
    return {
      descriptor: { mediaType, digest, size: bytes.length },
      subjectProcessed: res.headers['oci-subject'] !== undefined,
    };
  }

  /** `DELETE` a manifest by digest. */
  async deleteManifest(repository: string, digest: string, options: CallOptions = {}): Promise<void> {
    assertRepository(repository);
    assertDigest(digest);
    const res = await this.#transport.send({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${digest}`,
      scope: `repository:${repository}:delete`,
      operation: `manifest DELETE ${repository}@${digest}`,
      signal: options.signal,
    });
    await readErrorBody(res.body);
  }

  /** `HEAD` a blob: its size, or undefined when absent. */
  async headBlob(repository: string, digest: string, options: CallOptions = {}): Promise<number | undefined> {
    assertRepository(repository);
    assertDigest(digest);
    const res = await this.#transport.send({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pull(repository),
      operation: `blob HEAD ${repository}@${digest}`,
      accept: [404],
      signal: options.signal,
    });
    discard(res.body);
    if (res.status === 404) return undefined;
    const size = Number(res.headers['content-length']);
    return Number.isFinite(size) ? size : undefined;
  }

  /** `GET` a blob, optionally from `offset` (a `Range` request). The caller consumes `body`. */
  async getBlob(
    repository: string,
    digest: string,
    options: CallOptions & { offset?: number } = {},
  ): Promise<BlobResponse> {
    assertRepository(repository);
    assertDigest(digest);
    const offset = options.offset ?? 0;
    const res = await this.#transport.send({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pull(repository),
      operation: `blob GET ${repository}@${digest}`,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      signal: options.signal,
    });
    const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
      if (!m || Number(m[1]) !== offset) {
        discard(res.body);
        throw new RegistryError(
          this.registry,
          `blob GET ${repository}@${digest}`,
          `bad Content-Range ${JSON.stringify(res.headers['content-range'])} for range from ${offset}`,
        );
      }
      return { body: res.body, length, offset, totalSize: m[3] === '*' ? undefined : Number(m[3]) };
    }
    return { body: res.body, length, offset: 0, totalSize: length };
  }

  /**
   * Uploads a blob. Skipped when present (digest known); mounted when `mountFrom`
   * names a source repository; monolithic when the digest is known and the source
   * is a file or buffer; otherwise streamed in one `PATCH` (or `chunkSize` chunks)
   * with the sha256 computed while uploading, resumed from the registry's offset.
   */
  uploadBlob(repository: string, source: BlobSource, options: UploadOptions = {}): Promise<Descriptor> {
    assertRepository(repository);
    if (options.digest !== undefined) assertDigest(options.digest);
    if (options.mountFrom !== undefined) assertRepository(options.mountFrom, 'mountFrom');
    return uploadBlob(this.#transport, repository, source, { chunkSize: this.chunkSize, ...options });
  }

  /**
   * Checks push access to `repository` with the client's credentials: starts an
   * upload session and cancels it at once (nothing is written).
   */
  async checkPushAccess(repository: string, options: CallOptions = {}): Promise<void> {
    assertRepository(repository);
    const session = await UploadSession.start(this.#transport, repository, options.signal, undefined);
    await session?.cancel();
  }

  /** Lists tags, following `Link` pagination. */
  async *listTags(repository: string, options: CallOptions & { pageSize?: number } = {}): AsyncGenerator<string> {
    assertRepository(repository);
    let path: string | undefined = `/v2/${repository}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`;
    const operation = `tags list ${repository}`;
    while (path) {
      const res = await this.#transport.send({
        method: 'GET',
        path,
        scope: pull(repository),
        operation,
        signal: options.signal,
      });
      const body = parseJson<{ tags?: unknown }>(
        await readLimited(res.body, this.maxManifestBytes, this.registry, operation),
        this.registry,
        operation,
      );
      if (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags))
        throw new RegistryError(this.registry, operation, 'tags is not a list');
      for (const t of (body.tags as unknown[] | null | undefined) ?? []) if (typeof t === 'string') yield t;
      path = nextLink(res.headers['link']);
    }
  }

  /**
   * Downloads one blob to `file`: through `<file>.partial` (resumed from there after an interruption
   * or an earlier run), hashed as it is written, renamed to `file` once the digest matches.
   */
  downloadBlobToFile(args: BlobFileDownload): Promise<{ size: number }> {
    return downloadToFile(this.#transport, this, args);
  }

  /** Referrers of `digest`: the referrers API when present, the `sha256-<hex>` tag schema otherwise. */
  listReferrers(repository: string, digest: string, options: ListReferrersOptions = {}): Promise<Descriptor[]> {
    assertRepository(repository);
    assertDigest(digest);
    return listReferrers(this.#transport, this, repository, digest, options);
  }

  /**
   * Resolves a tag or digest to the platform manifest's descriptor: an index is
   * resolved to `platform` (default linux/amd64; an index with a single entry
   * and no platform asked for resolves to that entry).
   */
  async resolvePlatformManifest(
    repository: string,
    reference: string,
    platform?: Platform,
    options: CallOptions = {},
  ): Promise<Descriptor> {
    const fetched = await this.getManifest(repository, reference, options);
    if (!isIndexMediaType(fetched.descriptor.mediaType) && !('manifests' in fetched.manifest))
      return fetched.descriptor;
    const entry = selectPlatform((fetched.manifest as ImageIndex).manifests ?? [], platform);
    if (!entry) {
      const want = platform ?? { os: 'linux', architecture: 'amd64' };
      throw new RegistryError(
        this.registry,
        `resolve platform ${repository}:${reference}`,
        `platform "${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''}" not found in manifest list`,
      );
    }
    return { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  }
}
