/** containers/image's and cosign's payload type for a container image signature. */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
/** Media type of the payload layer in a `sha256-<hex>.sig` manifest. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Layer annotation holding the base64 signature. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/**
 * The simple-signing payload a sigstore signature covers: the manifest digest and the identity
 * (`registry/repository[:tag]`) the policy's `signedIdentity` is matched against.
 */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': manifestDigest },
        type: SIMPLE_SIGNING_TYPE,
      },
      optional: null,
    }),
  );
}

/** The tag cosign and containers/image attach signatures of `digest` under: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}
