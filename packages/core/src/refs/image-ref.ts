import { ValidationError } from '../errors/index.js';
import { IMAGE_TAG, isIPv6, splitHostPort } from '../resources/rules.js';

/** A parsed image reference `registry[:port]/repository[:tag][@digest]`. */
export interface ImageRef {
  /** Registry host with optional port, e.g. `quay.io`, `127.0.0.1:5000`, `[::1]:5000`, `docker.io`. */
  readonly registry: string;
  /** Repository path within the registry, e.g. `library/busybox`. */
  readonly repository: string;
  /** Tag, when the reference has one. */
  readonly tag?: string | undefined;
  /** Digest (`<algorithm>:<hex>`), when the reference has one. */
  readonly digest?: string | undefined;
}

/** Docker Hub's registry name: references without a registry, and `index.docker.io`/`registry-1.docker.io`, use it. */
export const DOCKER_HUB = 'docker.io';
const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

function invalid(message: string): never {
  throw new ValidationError([{ path: 'image', message }], { subject: 'image reference' });
}

function isDomain(first: string): boolean {
  return (
    first.includes('.') ||
    first.includes(':') ||
    first.startsWith('[') ||
    first === 'localhost' ||
    first !== first.toLowerCase()
  );
}

function checkRegistry(registry: string): void {
  const hp = splitHostPort(registry);
  if (!hp) invalid('registry must be host[:port] or [IPv6][:port]');
  if (hp.bracketed ? !isIPv6(hp.host) : !hp.host.split('.').every((c) => DOMAIN_COMPONENT.test(c))) {
    invalid('registry must be a hostname, IPv4 address or [IPv6] address');
  }
  if (hp.port !== undefined && !/^\d{1,5}$/.test(hp.port)) invalid('registry port must be a number');
}

/**
 * Parses `registry[:port]/name[:tag][@digest]`. Docker Hub names are normalised like the docker CLI
 * (`busybox` → `docker.io/library/busybox`, `index.docker.io` → `docker.io`). Throws `ValidationError`.
 */
export function parseImageRef(reference: string): ImageRef {
  if (reference.length === 0) invalid('is required');
  if (reference.length > 2048) invalid('must be no more than 2048 characters');
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) invalid('digest must be algorithm:hex (e.g. sha256:<64 hex>)');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash && !(lastSlash < 0 && rest.startsWith('['))) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!IMAGE_TAG.test(tag)) invalid(`tag must match ${IMAGE_TAG.source}`);
  }
  const slash = rest.indexOf('/');
  let registry: string;
  let repository: string;
  if (slash >= 0 && isDomain(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    checkRegistry(registry);
  } else {
    registry = DOCKER_HUB;
    repository = rest;
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.length === 0) invalid('repository name is required');
  if (repository.length > 255) invalid('repository name must be no more than 255 characters');
  if (!repository.split('/').every((c) => NAME_COMPONENT.test(c))) {
    invalid('repository name must be lowercase components separated by /, with ., _, __ or - between alphanumerics');
  }
  return { registry, repository, tag, digest };
}

/** Formats an `ImageRef` back to `registry/repository[:tag][@digest]` (always fully qualified). */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** `registry/imageName:tag` for a Repository (as upstream's `status.imageReference` is built). */
export function imageReferenceFor(repository: { spec: { registry: string } }, imageName: string, tag: string): string {
  return `${repository.spec.registry}/${imageName}:${tag}`;
}
