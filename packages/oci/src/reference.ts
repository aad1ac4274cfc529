import { ValidationError } from '@imagebuild/core/errors';

/** Distribution-spec grammar for repository names, tags and digests. */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function isTag(value: string): boolean {
  return TAG.test(value);
}

export function assertRepository(name: string, field = 'repository'): void {
  if (name.length > 255 || !REPOSITORY.test(name)) {
    throw new ValidationError([
      { path: field, message: 'must be a lowercase repository path matching the distribution-spec name grammar' },
    ]);
  }
}

export function assertDigest(digest: string, field = 'digest'): void {
  if (!DIGEST.test(digest)) throw new ValidationError([{ path: field, message: 'must be sha256:<64 lowercase hex>' }]);
}

export function assertReference(ref: string, field = 'reference'): void {
  if (!DIGEST.test(ref) && !TAG.test(ref)) {
    throw new ValidationError([
      { path: field, message: 'must be a tag matching ^[\\w][\\w.-]{0,127}$ or a sha256 digest' },
    ]);
  }
}

export function assertRegistry(host: string, field = 'registry'): void {
  if (!REGISTRY.test(host))
    throw new ValidationError([{ path: field, message: 'must be host[:port] without scheme or path' }]);
}

/**
 * Parses `registry/repository[:tag][@digest]`. The first path component is the
 * registry (a full reference always names it here: no docker.io defaulting).
 */
export function parseImageReference(ref: string, field = 'reference'): ImageReference {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new ValidationError([{ path: field, message: 'must be registry/repository[:tag][@digest]' }]);
  const registry = rest.slice(0, slash);
  let repository = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  assertRegistry(registry, `${field} (registry)`);
  assertRepository(repository, `${field} (repository)`);
  if (tag !== undefined && !TAG.test(tag))
    throw new ValidationError([{ path: `${field} (tag)`, message: 'must match ^[\\w][\\w.-]{0,127}$' }]);
  if (digest !== undefined) assertDigest(digest, `${field} (digest)`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}
