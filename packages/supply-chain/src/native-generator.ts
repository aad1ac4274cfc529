import { posix } from 'node:path';
import { isSdkError } from '@imagebuild/core';
import { SbomError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import {
  SBOM_MEDIA_TYPE,
  type ImageFileReader,
  type SbomDocument,
  type SbomGenerator,
  type SbomInput,
} from '@imagebuild/core/runner';
import { cycloneDxJson } from './cyclonedx-document.js';
import { parseOsRelease, type OsRelease } from './os-release.js';
import { readRpmDatabase, type RpmDatabase } from './rpm/rpm-database.js';

/** Default bound of the bytes read from the image. */
export const DEFAULT_MAX_READ_BYTES = 512 * 1024 * 1024;
const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;
const OS_RELEASE_MAX = 64 * 1024;
const TOOL = { name: '@imagebuild/supply-chain', version: '0.1.0' };

/** Options of `NativeSbomGenerator`. */
export interface NativeSbomGeneratorOptions {
  /** Bound of the bytes read from the image (RPM database directory, os-release). Default 512 MiB. */
  maxReadBytes?: number | undefined;
  /** SBOM file name (the referrer's title). Default `sbom.cdx.json`. */
  fileName?: string | undefined;
}

/**
 * The native generator: reads the image's RPM database (sqlite) and os-release through the given
 * file reader — no scanner image is pulled — and writes CycloneDX 1.6 JSON.
 */
export class NativeSbomGenerator implements SbomGenerator {
  /** `native`, for logs and errors. */
  readonly name = 'native';
  readonly #maxBytes: number;
  readonly #fileName: string;
  /** Catalogues started by `prefetch`, per reader (one image each). */
  readonly #prefetched = new WeakMap<ImageFileReader, Promise<[OsRelease | undefined, RpmDatabase]>>();

  constructor(options: NativeSbomGeneratorOptions = {}) {
    this.#maxBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
    this.#fileName = options.fileName ?? 'sbom.cdx.json';
  }

  /** Starts reading os-release and the RPM database while the image is pushed; never throws. */
  prefetch(files: ImageFileReader, signal: AbortSignal): void {
    // The whole catalogue, not only the reads: it runs while the image is pushed, so
    // GeneratingSBOM is left with writing the document and pushing it.
    const pending = this.#catalogue(files, signal);
    pending.catch(() => undefined); // its error is generate()'s to report
    this.#prefetched.set(files, pending);
  }

  #catalogue(files: ImageFileReader, signal: AbortSignal): Promise<[OsRelease | undefined, RpmDatabase]> {
    // Concurrent: each read is one archive request, and podman mounts the container for each.
    return Promise.all([readOsRelease(files, signal), readRpmDatabase(files, { maxBytes: this.#maxBytes, signal })]);
  }

  /** The CycloneDX document of the image (from `prefetch`'s reads when started); failures reject with SbomError. */
  async generate(input: SbomInput): Promise<SbomDocument> {
    try {
      const [os, db] = await (this.#prefetched.get(input.files) ?? this.#catalogue(input.files, input.signal));
      this.#prefetched.delete(input.files);
      throwIfAborted(input.signal);
      const json = cycloneDxJson({
        reference: input.reference,
        manifestDigest: input.manifestDigest,
        platformManifestDigest: input.platformManifestDigest,
        platform: input.platform,
        os,
        rpmDatabase: db.path,
        packages: db.packages,
        tool: TOOL,
      });
      return {
        mediaType: SBOM_MEDIA_TYPE,
        fileName: this.#fileName,
        content: Buffer.from(json),
        components: db.packages.length + (os ? 1 : 0),
      };
    } catch (err) {
      if (isSdkError(err)) throw err;
      throw new SbomError(`SBOM generation failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
}

/** /etc/os-release (following its usual symlink to /usr/lib/os-release), else /usr/lib/os-release. */
async function readOsRelease(files: ImageFileReader, signal: AbortSignal): Promise<OsRelease | undefined> {
  for (const start of OS_RELEASE_PATHS) {
    let path: string = start;
    for (let hops = 0; hops < 8; hops++) {
      const entry = (await files.read(path, { maxBytes: OS_RELEASE_MAX, signal }))?.find((e) => e.path === path);
      if (!entry) break;
      if (entry.type === 'file' && entry.data) return parseOsRelease(Buffer.from(entry.data).toString('utf8'));
      if (entry.type !== 'symlink' || !entry.linkTarget) break;
      path = posix.resolve(posix.dirname(path), entry.linkTarget);
    }
  }
  return undefined;
}
