import type { Repository } from '@imagebuild/core';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { repositoryError } from '../registry/repository-errors.js';

/** The build's source as resolved before building: the tag and the manifest digest it pointed to. */
export interface PinnedSource {
  /** `registry/name:tag` as the ImageBuild names it (`org.opencontainers.image.base.name`). */
  name: string;
  /** Manifest digest the tag resolved to (`org.opencontainers.image.base.digest`). */
  digest: string;
  /** `registry/name@sha256:…`: what the Containerfile builds FROM. */
  pinned: string;
}

/**
 * Resolves the source tag to its manifest digest with the source Repository's credentials, CA and
 * scheme (which also proves pull access before anything is built), so the engine pulls exactly that
 * manifest whatever it holds locally under the tag.
 */
export async function resolveSource(
  registries: RegistryAccessFactory,
  repo: Repository,
  imageName: string,
  tag: string,
  signal: AbortSignal,
): Promise<PinnedSource> {
  const access = registries(repo);
  const what = `resolve source ${imageName}:${tag}`;
  try {
    const head = await access.head(imageName, tag, signal);
    if (!head) throw new Error(`${imageName}:${tag} does not exist (manifest unknown)`);
    const base = `${repo.spec.registry}/${imageName}`;
    return { name: `${base}:${tag}`, digest: head.digest, pinned: `${base}@${head.digest}` };
  } catch (err) {
    throw repositoryError(repo, what, err);
  } finally {
    await access.close().catch(() => undefined);
  }
}
