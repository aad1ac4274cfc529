import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ValidationError } from '@imagebuild/core';
import { parseImageRef } from '@imagebuild/core/refs';
import type { ImageManifest, RegistryClient } from '@imagebuild/oci';
import {
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SIMPLE_SIGNING_TYPE,
  signatureTag,
} from './simple-signing.js';

/** Options of `verifyImageSignature`. */
export interface VerifyImageOptions {
  /** Repository in the client's registry, e.g. `apps/os`. */
  repository: string;
  /** The manifest digest the image is pulled by (the tag's target). */
  digest: string;
  /** The trusted public key, PEM. */
  publicKeyPem: string;
  /** The repository the signature must name, `registry/repository` (default: the client's registry + `repository`). */
  identity?: string | undefined;
  /** Aborts the registry requests. */
  signal?: AbortSignal | undefined;
}

/** The outcome of `verifyImageSignature`. */
export interface VerifyImageResult {
  /** Some signature verified with the key and names the digest and the repository. */
  verified: boolean;
  /** Why not, when not verified (the last reason seen across the signatures). */
  reason: string | undefined;
  /** Signatures examined. */
  signatures: number;
}

/** A payload is a few hundred bytes; more is not read. */
const MAX_PAYLOAD = 64 * 1024;

/**
 * Checks an image's sigstore attachments as containers/image's `sigstoreSigned` policy with
 * `signedIdentity: matchRepository` does: some signature in `sha256-<hex>.sig` must verify with the
 * key over its payload, the payload's digest must be `digest`, and its identity must name the
 * repository. For CI gates, and for hosts whose containers/image lacks sigstore support.
 */
export async function verifyImageSignature(client: RegistryClient, o: VerifyImageOptions): Promise<VerifyImageResult> {
  let key: KeyObject;
  try {
    key = createPublicKey(o.publicKeyPem);
  } catch {
    // the ValidationError says the key is not a PEM public key
    throw new ValidationError([{ path: 'publicKeyPem', message: 'is not a PEM public key' }], { subject: 'verify' });
  }
  const identity = o.identity ?? `${client.registry}/${o.repository}`;
  const tag = signatureTag(o.digest);
  if (!(await client.headManifest(o.repository, tag, { signal: o.signal })))
    return { verified: false, reason: 'no signature exists', signatures: 0 };
  const m = (await client.getManifest(o.repository, tag, { signal: o.signal })).manifest as ImageManifest;
  let reason = 'no signature exists';
  let count = 0;
  for (const layer of m.layers ?? []) {
    const sig = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE || !sig || !(layer.size <= MAX_PAYLOAD)) continue;
    count++;
    const blob = await client.getBlob(o.repository, layer.digest, { signal: o.signal });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of blob.body) {
      size += (c as Buffer).length;
      if (size > MAX_PAYLOAD) break;
      chunks.push(c as Buffer);
    }
    blob.body.destroy();
    const payload = Buffer.concat(chunks);
    if (`sha256:${createHash('sha256').update(payload).digest('hex')}` !== layer.digest) {
      reason = 'signature payload does not match its digest';
      continue;
    }
    if (!cryptoVerify('sha256', payload, { key, dsaEncoding: 'der' }, Buffer.from(sig, 'base64'))) {
      reason = 'signature does not verify with the trusted key';
      continue;
    }
    let p: {
      critical?: {
        type?: unknown;
        image?: { 'docker-manifest-digest'?: unknown };
        identity?: { 'docker-reference'?: unknown };
      };
    };
    try {
      p = JSON.parse(payload.toString('utf8'));
    } catch {
      // reported as this signature's reason
      reason = 'signature payload is not JSON';
      continue;
    }
    if (p.critical?.type !== SIMPLE_SIGNING_TYPE) {
      reason = 'signature payload has an unknown type';
      continue;
    }
    if (p.critical.image?.['docker-manifest-digest'] !== o.digest) {
      reason = 'signature is for another manifest digest';
      continue;
    }
    const ref = p.critical.identity?.['docker-reference'];
    if (typeof ref !== 'string' || repositoryOf(ref) !== identity) {
      reason = `signature names another repository (${String(ref)})`;
      continue;
    }
    return { verified: true, reason: undefined, signatures: count };
  }
  return { verified: false, reason, signatures: count };
}

/** `registry/repo[:tag][@digest]` → `registry/repo`. */
function repositoryOf(ref: string): string | undefined {
  try {
    const parsed = parseImageRef(ref);
    return `${parsed.registry}/${parsed.repository}`;
  } catch {
    // A signature naming no valid reference names no repository: it fails the identity check.
    return undefined;
  }
}
