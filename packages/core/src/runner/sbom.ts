/** Media type of a CycloneDX JSON document: the SBOM referrer's `artifactType` and its layer's media type. */
export const SBOM_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

/** One entry read from an image's filesystem. */
export interface ImageFileEntry {
  /** Absolute path in the image, e.g. `/usr/lib/sysimage/rpm/rpmdb.sqlite`. */
  path: string;
  /** Entry type; `other` is anything else (a device, a FIFO, a hard link…). */
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Contents of a regular file. */
  data?: Uint8Array | undefined;
  /** Target of a symlink, as stored (may be relative). */
  linkTarget?: string | undefined;
}

/** Read access to a built image's filesystem (an engine's archive API, or a directory on disk). */
export interface ImageFileReader {
  /**
   * Reads `path` (a file, a symlink itself, or a directory with everything below it). Resolves to
   * undefined when the path does not exist; rejects when more than `maxBytes` would be read.
   */
  read(
    path: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<ImageFileEntry[] | undefined>;
}

/** What an SBOM generator is given: the pushed image and read access to its filesystem. */
export interface SbomInput {
  /** The pushed reference, `registry/name:tag`. */
  reference: string;
  /** Digest the tag points to (an index or a single-platform manifest). */
  manifestDigest: string;
  /** Digest of the platform manifest (the SBOM referrer's subject). */
  platformManifestDigest: string;
  /** OCI platform, e.g. `linux/amd64`. */
  platform: string;
  /** The built image's filesystem (still present on the engine while the generator runs). */
  files: ImageFileReader;
  /** The build's signal: when it aborts (cancel, abort), stop reading and generating. */
  signal: AbortSignal;
}

/** A generated SBOM document, ready to push. */
export interface SbomDocument {
  /** `application/vnd.cyclonedx+json` for CycloneDX JSON. */
  mediaType: string;
  /** File name, used as the referrer's `org.opencontainers.image.title`. */
  fileName: string;
  /** The document's bytes. */
  content: Uint8Array;
  /** Number of components the document lists (for logs). */
  components: number;
}

/**
 * Produces the SBOM of a built image. The default is `@imagebuild/supply-chain`'s native generator
 * (RPM database + os-release); a deployment may plug in another (e.g. syft run in a container).
 */
export interface SbomGenerator {
  /** Name for logs and errors, e.g. `native` or `syft`. */
  readonly name: string;
  /**
   * Optional: starts reading what `generate` will read, while the image is still being pushed (the
   * runner passes a caching reader, so `generate` finds the reads done). Must not throw.
   */
  prefetch?(files: ImageFileReader, signal: AbortSignal): void;
  /** Reads the image through `input.files` and returns the SBOM document. */
  generate(input: SbomInput): Promise<SbomDocument>;
}

/** The SBOM a build pushed (see `BuildResult.sbom`). */
export interface SbomResult {
  /** Digest of the referrer manifest. */
  manifestDigest: string;
  /** Digest and size of the SBOM document (the referrer's one layer). */
  layerDigest: string;
  /** Size of the SBOM document in bytes. */
  size: number;
  /** The generator that produced it. */
  generator: string;
  /** Number of components the document lists. */
  components: number;
}

/** SBOM settings of a build: on by default with the native generator. */
export interface SbomOptions {
  /** Default true (as upstream). */
  enabled?: boolean | undefined;
  /** Default: `@imagebuild/supply-chain`'s native generator. */
  generator?: SbomGenerator | undefined;
  /** Upper bound of the bytes read from the image (the RPM database directory, os-release). Default 512 MiB. */
  maxReadBytes?: number | undefined;
}
