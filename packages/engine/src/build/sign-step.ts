import type { Repository } from '@imagebuild/core';
import type { SignatureResult, SigningOptions } from '@imagebuild/core/runner';
import { RegistryClient } from '@imagebuild/oci';
import { signImage } from '@imagebuild/supply-chain';

/**
 * Attaches a sigstore signature of `digest` in `repository` (an image after a build, an artifact
 * after an export) with the caller's signer. A failure is thrown: a signature that was asked for
 * and is missing must not pass as a success.
 */
export async function signPushed(
  repo: Repository,
  request: { repository: string; digest: string; dockerReference: string; sign: SigningOptions; signal: AbortSignal },
): Promise<SignatureResult> {
  const client = RegistryClient.fromRepository(repo);
  try {
    const r = await signImage(client, {
      repository: request.repository,
      digest: request.digest,
      dockerReference: request.dockerReference,
      signer: request.sign.signer,
      signal: request.signal,
    });
    return { tag: r.tag, manifestDigest: r.manifestDigest, signedDigest: request.digest };
  } finally {
    await client.close();
  }
}
