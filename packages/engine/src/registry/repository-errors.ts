import { AbortError, type SdkError, type Repository } from '@imagebuild/core';
import { RegistryError } from '@imagebuild/core/errors';

/** `Repository "name" (registry)`: how every registry message names what it concerns. */
export function repositoryLabel(repo: Repository): string {
  return `Repository "${repo.metadata.name}" (${repo.spec.registry})`;
}

/**
 * A registry failure re-stated so it names the Repository and its registry:
 * `<what> for Repository "tls" on 127.0.0.1:5443: <cause>`. Aborts pass through unchanged.
 */
export function repositoryError(repo: Repository, what: string, err: unknown): SdkError {
  if (err instanceof AbortError) return err;
  const registry = repo.spec.registry;
  const text = (err instanceof Error ? err.message : String(err)).replace(` on ${registry}: `, ': ').trimEnd();
  const status = err instanceof RegistryError ? err.status : undefined;
  const ociCodes = err instanceof RegistryError ? err.ociCodes : undefined;
  return new RegistryError(registry, `${what} for Repository "${repo.metadata.name}"`, text, {
    cause: err,
    ...(status !== undefined ? { status } : {}),
    ...(ociCodes ? { ociCodes } : {}),
    details: { repository: repo.metadata.name },
  });
}
