import type { Repository } from '@imagebuild/core';
import type { RepositoryLookup } from '@imagebuild/core/resources';
import type { RegistryAccessFactory } from '../registry/registry-access.js';

function allRepositories(lookup: RepositoryLookup): Repository[] {
  return Array.isArray(lookup)
    ? [...(lookup as readonly Repository[])]
    : [...(lookup as ReadonlyMap<string, Repository>).values()];
}

/**
 * The manifest digest a registry serves for the converter's tag, asked with the Repository that
 * covers that registry (its scheme, credentials and CA); undefined when the reference is a digest, no
 * Repository covers the registry, or the registry does not answer: then the engine pulls as usual.
 */
export async function converterRegistryDigest(
  image: string,
  repositories: RepositoryLookup,
  registries: RegistryAccessFactory,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (image.includes('@')) return undefined;
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  const rest = image.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const [path, tag] = colon > rest.lastIndexOf('/') ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, 'latest'];
  const repo = allRepositories(repositories).find((r) => r.spec.type === 'oci' && r.spec.registry === host);
  if (!repo) return undefined;
  const access = registries(repo);
  try {
    return (await access.head(path, tag, signal))?.digest;
  } catch {
    return undefined;
  } finally {
    await access.close().catch(() => undefined);
  }
}
