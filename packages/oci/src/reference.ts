import { ValidationError } from '@imagebuild/core/errors';

/** Distribution-spec grammar for repository names, tags and digests. */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** True for a `sha256:<64 lowercase hex>` digest. */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** True for a tag of the distribution-spec grammar (`^[\w][\w.-]{0,127}$`). */
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
