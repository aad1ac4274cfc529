import { createHash } from 'node:crypto';
import { ValidationError } from '@imagebuild/core';
import { throwIfAborted } from '@imagebuild/core/operation';
import { MediaType, type Descriptor, type ImageManifest, type RegistryClient } from '@imagebuild/oci';
import type { Signer } from './signer.js';
import {
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signatureTag,
  simpleSigningPayload,
} from './simple-signing.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** Options of `signImage`. */
export interface SignImageOptions {
  /** Repository in the client's registry, e.g. `apps/os`. */
  repository: string;
  /** Digest of the manifest to sign (the tag's target, as `podman push --sign-by-sigstore…` signs). */
  digest: string;
  /** The identity signed: `registry/repository[:tag]` (default `registry/repository`). */
  dockerReference?: string | undefined;
  /** Signs the simple-signing payload. */
  signer: Signer;
  /** Aborts the signing and the registry requests. */
  signal?: AbortSignal | undefined;
}

/** What `signImage` attached. */
export interface SignImageResult {
  /** `sha256-<hex>.sig`. */
  tag: string;
  /** Digest of the signature manifest. */
  manifestDigest: string;
  /** Signatures now attached (earlier ones are kept, as containers/image does). */
  signatures: number;
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Attaches a sigstore signature to an image as containers/image and cosign lay it out: an OCI
 * manifest tagged `sha256-<hex>.sig` whose layers are simple-signing payloads, each with its base64
 * signature in the `dev.cosignproject.cosign/signature` annotation (config: the cosign-style config
 * listing the payloads' digests). An existing signature manifest is extended, not replaced.
 */
export async function signImage(client: RegistryClient, options: SignImageOptions): Promise<SignImageResult> {
  if (!DIGEST.test(options.digest))
    throw new ValidationError([{ path: 'digest', message: 'must be sha256:<64 lowercase hex digits>' }], {
      subject: 'signImage options',
    });
  const reference = options.dockerReference ?? `${client.registry}/${options.repository}`;
  const payload = simpleSigningPayload(reference, options.digest);
  const signature = Buffer.from(await options.signer.sign(payload, options.signal)).toString('base64');
  throwIfAborted(options.signal);
  const tag = signatureTag(options.digest);
  const layers: Descriptor[] = [];
  const existing = await client.headManifest(options.repository, tag, { signal: options.signal });
  if (existing) {
    const m = (await client.getManifest(options.repository, tag, { signal: options.signal })).manifest as ImageManifest;
    for (const l of m.layers ?? []) if (l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE) layers.push(l);
  }
  const layer: Descriptor = {
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    digest: sha256(payload),
    size: payload.length,
    annotations: { [SIGNATURE_ANNOTATION]: signature },
  };
  if (!layers.some((l) => l.digest === layer.digest && l.annotations?.[SIGNATURE_ANNOTATION] === signature))
    layers.push(layer);
  await client.uploadBlob(options.repository, payload, { digest: layer.digest, signal: options.signal });
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      config: {},
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const configDesc: Descriptor = { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length };
  await client.uploadBlob(options.repository, config, { digest: configDesc.digest, signal: options.signal });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: configDesc,
    layers,
  };
  const put = await client.putManifest(options.repository, tag, manifest, { signal: options.signal });
  return { tag, manifestDigest: put.descriptor.digest, signatures: layers.length };
}
