import { createHash } from 'node:crypto';
import type { Repository } from '@imagebuild/core';
import type { ExportResult } from '@imagebuild/core/runner';
import { RegistryClient, isImageManifestMediaType, type ImageManifest } from '@imagebuild/oci';

/** Annotation of a pushed export artifact: sha256 over the converter image and its whole configuration. */
export const CONVERTER_KEY_ANNOTATION = 'io.imagebuild.converter.key';
/** Annotation naming the converter image (reference and id) that made the artifact. */
export const CONVERTER_IMAGE_ANNOTATION = 'io.imagebuild.converter.image';

/** What decides a conversion's output besides the image itself (the artifact's subject). */
export interface ConverterKeyParts {
  converterImageId: string;
  flags: readonly string[];
  /** The bootc target recorded in the disk (the destination tag). */
  target: string;
  /** bootc-image-builder config.json, or '' without one. */
  configJson: string;
}

/** `sha256:<hex>` over the parts, in a fixed order. */
export function converterKey(parts: ConverterKeyParts): string {
  const canonical = JSON.stringify([parts.converterImageId, [...parts.flags], parts.target, parts.configJson]);
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * A referrer of `subject` with the artifact type and reuse key, if the registry holds one: the
 * export completes from it without converting. Lookup failures mean "convert" (never an error).
 */
export async function findReusableArtifact(
  repo: Repository,
  repository: string,
  subject: { digest: string },
  artifactType: string,
  key: string,
  signal: AbortSignal,
): Promise<Omit<ExportResult, 'subject'> | undefined> {
  const client = RegistryClient.fromRepository(repo);
  try {
    const found = await client.listReferrers(repository, subject.digest, { artifactType, signal });
    const match = found.find((d) => d.annotations?.[CONVERTER_KEY_ANNOTATION] === key);
    if (!match) return undefined;
    const { manifest, descriptor } = await client.getManifest(repository, match.digest, { signal });
    const layer = (manifest as ImageManifest).layers?.[0];
    if (!isImageManifestMediaType(descriptor.mediaType) || !layer) return undefined;
    return {
      manifestDigest: match.digest,
      mediaType: descriptor.mediaType,
      artifactType,
      size: layer.size,
      layerDigest: layer.digest,
    };
  } catch {
    if (signal.aborted) throw signal.reason;
    return undefined;
  } finally {
    await client.close();
  }
}
