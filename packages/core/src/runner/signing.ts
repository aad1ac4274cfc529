/**
 * Signs payloads with an ECDSA P-256 key: `sign` returns an ASN.1 DER signature over SHA-256 of the
 * payload (what cosign and containers/image verify). `@imagebuild/supply-chain` has a PEM-file and
 * an in-memory implementation; a KMS or HSM implements it itself.
 */
export interface ImageSigner {
  /** The public key, PEM (SubjectPublicKeyInfo), for the device policy. */
  readonly publicKeyPem: string;
  /** Signs SHA-256 of `payload`; resolves to the ASN.1 DER ECDSA signature. */
  sign(payload: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Signing of what a runner pushes (an image after a build, an artifact after an export). Off unless given. */
export interface SigningOptions {
  /** The key that signs (a PEM file, in memory, a KMS…). */
  signer: ImageSigner;
}

/** A signature a runner attached (see `BuildResult.signature`, `ExportResult.signature`). */
export interface SignatureResult {
  /** The tag it is attached under, `sha256-<hex>.sig`. */
  tag: string;
  /** Digest of the signature manifest. */
  manifestDigest: string;
  /** The digest signed. */
  signedDigest: string;
}
