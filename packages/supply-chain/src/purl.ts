import { parseImageRef } from '@imagebuild/core/refs';
import { PackageURL } from 'packageurl-js';
import type { OsRelease } from './os-release.js';
import type { RpmPackage } from './rpm/rpm-header.js';

/** `[epoch:]version-release`, as rpm writes an EVR (the epoch only when the header has one). */
export function rpmEvr(p: Pick<RpmPackage, 'epoch' | 'version' | 'release'>): string {
  return `${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}-${p.release}`;
}

/**
 * `pkg:rpm/<distro>/<name>@<epoch:version-release>?arch=…&distro=<id>-<version_id>` (packageurl-js
 * does the percent-encoding); qualifiers whose value is unknown are left out.
 */
export function rpmPurl(p: RpmPackage, os: OsRelease | undefined): PackageURL {
  const qualifiers: Record<string, string> = {};
  if (p.arch) qualifiers.arch = p.arch;
  if (os?.id) qualifiers.distro = os.versionId ? `${os.id}-${os.versionId}` : os.id;
  return new PackageURL('rpm', os?.id, p.name, rpmEvr(p), qualifiers, undefined);
}

/**
 * `pkg:oci/<name>@sha256:…?repository_url=<registry/repository>&tag=<tag>&arch=<arch>`: the purl-spec
 * form for an OCI image (name = the repository's last path segment).
 */
export function ociPurl(reference: string, digest: string, platform: string): PackageURL {
  const { repository, tag } = splitReference(reference);
  const name = repository.slice(repository.lastIndexOf('/') + 1).toLowerCase();
  const qualifiers: Record<string, string> = { repository_url: repository };
  if (tag) qualifiers.tag = tag;
  const arch = platform.split('/')[1];
  if (arch) qualifiers.arch = arch;
  return new PackageURL('oci', undefined, name, digest, qualifiers, undefined);
}

/** `registry/name:tag` or `registry/name@digest` → repository (with registry) and tag. */
export function splitReference(reference: string): { repository: string; tag: string | undefined } {
  const ref = parseImageRef(reference);
  return { repository: `${ref.registry}/${ref.repository}`, tag: ref.tag };
}
