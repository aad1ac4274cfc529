// The SBOM types of ImageBuilder.sbom() and sboms().
/** An SBOM referrer of a build's image. */
export interface SbomInfo {
  /** Digest of the referrer manifest. */
  manifestDigest: string;
  /** `application/vnd.cyclonedx+json`. */
  artifactType: string;
  /** `org.opencontainers.image.title` (e.g. `sbom.cdx.json`) and `org.opencontainers.image.created`, when set. */
  title: string | undefined;
  /** When the SBOM was made (`org.opencontainers.image.created`), when set. */
  created: string | undefined;
}

/** A downloaded SBOM document. */
export interface Sbom extends SbomInfo {
  /** Media type of the document (the referrer's layer). */
  mediaType: string;
  /** Digest and size of the document (the referrer's layer). */
  digest: string;
  /** Size of the document in bytes. */
  size: number;
  /** The document bytes (verified against the layer digest). */
  content: Buffer;
}

/** Options of `ImageBuilder.sbom()`. */
export interface SbomReadOptions {
  /** A referrer manifest digest from `sboms()`; default: the newest. */
  digest?: string | undefined;
  /** Aborts the registry requests. */
  signal?: AbortSignal | undefined;
}
