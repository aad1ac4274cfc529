import { createHash } from 'node:crypto';
import { DigestMismatchError, RegistryError } from '@imagebuild/core/errors';
import type { ImageManifest, Platform, RegistryClient } from '@imagebuild/oci';
import type { ManifestRef } from './registry-access.js';

/** An image config is small; a larger one is not an image this SDK built. */
const MAX_CONFIG = 1024 * 1024;

function ref(d: { mediaType: string; digest: string; size: number }): ManifestRef {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/**
 * Reads the labels of the image a tag or digest points to (its config's `config.Labels`), resolving
 * an index to `platform`. Undefined when the reference does not exist.
 */
export async function imageLabels(
  client: RegistryClient,
  repository: string,
  reference: string,
  platform: Platform,
  signal: AbortSignal,
): Promise<{ manifest: ManifestRef; platformManifest: ManifestRef; labels: Record<string, string> } | undefined> {
  const head = await client.headManifest(repository, reference, { signal });
  if (!head) return undefined;
  const platformManifest = await client.resolvePlatformManifest(repository, head.digest, platform, { signal });
  const fetched = await client.getManifest(repository, platformManifest.digest, { signal });
  const config = (fetched.manifest as ImageManifest).config;
  const operation = `image config ${repository}@${platformManifest.digest}`;
  if (!config || typeof config.digest !== 'string' || !(config.size <= MAX_CONFIG)) {
    throw new RegistryError(client.registry, operation, `no image config of at most ${MAX_CONFIG} bytes`);
  }
  const blob = await client.getBlob(repository, config.digest, { signal });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of blob.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONFIG) {
      blob.body.destroy();
      throw new RegistryError(client.registry, operation, `config larger than ${MAX_CONFIG} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== config.digest) throw new DigestMismatchError(config.digest, actual, { details: { operation } });
  let labels: Record<string, string> = {};
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { config?: { Labels?: unknown } };
    const l = parsed.config?.Labels;
    if (l && typeof l === 'object') {
      labels = Object.fromEntries(Object.entries(l).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch (err) {
    throw new RegistryError(client.registry, operation, 'config is not JSON', { cause: err });
  }
  return { manifest: ref(head), platformManifest: ref(platformManifest), labels };
}
