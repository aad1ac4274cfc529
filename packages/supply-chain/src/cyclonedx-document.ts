import { randomUUID } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { isSupportedSpdxId } from '@cyclonedx/cyclonedx-library/SPDX';
import type { OsRelease } from './os-release.js';
import { ociPurl, rpmEvr, rpmPurl, splitReference } from './purl.js';
import type { RpmPackage } from './rpm/rpm-header.js';

/** Property names of the fields CycloneDX has no slot for (one `imagebuild:` namespace). */
export const SbomProperty = {
  rpmEpoch: 'imagebuild:rpm:epoch',
  rpmVersion: 'imagebuild:rpm:version',
  rpmRelease: 'imagebuild:rpm:release',
  rpmArch: 'imagebuild:rpm:arch',
  rpmSourceRpm: 'imagebuild:rpm:sourceRpm',
  rpmDatabase: 'imagebuild:rpm:database',
  imageManifestDigest: 'imagebuild:image:manifestDigest',
  imagePlatformManifestDigest: 'imagebuild:image:platformManifestDigest',
  imagePlatform: 'imagebuild:image:platform',
  osRelease: 'imagebuild:os-release:',
} as const;

/** What `cycloneDxJson` describes: the image and what was read from it. */
export interface CycloneDxInput {
  /** The pushed reference, `registry/name:tag`. */
  reference: string;
  /** Digest the tag points to; the image component's hash and purl digest. */
  manifestDigest: string;
  /** Digest of the platform manifest (a property of the image component). */
  platformManifestDigest: string;
  /** OCI platform, e.g. `linux/amd64`. */
  platform: string;
  /** The image's os-release; without it there is no operating-system component. */
  os: OsRelease | undefined;
  /** The RPM database file read (a property of the image component). */
  rpmDatabase: string;
  /** One library component each. */
  packages: readonly RpmPackage[];
  /** The generating tool, listed in `metadata.tools`. */
  tool: { name: string; version: string };
  /** Fixed serial number / timestamp (tests); default: random / now. */
  serialNumber?: string | undefined;
  /** Fixed `metadata.timestamp` (tests); default: now. */
  timestamp?: Date | undefined;
}

const SPDX_OPERATORS = new Set(['AND', 'OR', 'WITH']);
const isSpdxId = (t: string): boolean => isSupportedSpdxId(t);

/** rpm's License tag as CycloneDX has it: an SPDX id, an SPDX expression, or (legacy Fedora names) a named license. */
function license(text: string): Models.License {
  if (isSpdxId(text)) return new Models.SpdxLicense(text);
  const tokens = text.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  if (tokens.length > 1 && tokens.every((t) => SPDX_OPERATORS.has(t) || isSpdxId(t) || t.startsWith('LicenseRef-')))
    return new Models.LicenseExpression(text);
  return new Models.NamedLicense(text);
}

function rpmComponent(p: RpmPackage, os: OsRelease | undefined): Models.Component {
  const purl = rpmPurl(p, os);
  const properties = new Models.PropertyRepository();
  if (p.epoch !== undefined) properties.add(new Models.Property(SbomProperty.rpmEpoch, String(p.epoch)));
  properties.add(new Models.Property(SbomProperty.rpmVersion, p.version));
  properties.add(new Models.Property(SbomProperty.rpmRelease, p.release));
  if (p.arch) properties.add(new Models.Property(SbomProperty.rpmArch, p.arch));
  if (p.sourceRpm) properties.add(new Models.Property(SbomProperty.rpmSourceRpm, p.sourceRpm));
  const licenses = new Models.LicenseRepository();
  if (p.license) licenses.add(license(p.license));
  return new Models.Component(Enums.ComponentType.Library, p.name, {
    bomRef: purl.toString(),
    version: rpmEvr(p),
    purl: purl.toString(),
    publisher: p.vendor,
    licenses,
    properties,
  });
}

function osComponent(os: OsRelease): Models.Component {
  const properties = new Models.PropertyRepository();
  for (const [k, v] of Object.entries(os.fields))
    properties.add(new Models.Property(`${SbomProperty.osRelease}${k}`, v));
  return new Models.Component(Enums.ComponentType.OperatingSystem, os.id ?? os.name ?? 'unknown', {
    bomRef: `os:${os.id ?? 'unknown'}@${os.versionId ?? ''}`,
    version: os.versionId,
    description: os.prettyName,
    properties,
  });
}

/**
 * The CycloneDX 1.6 JSON document of an image: metadata.component = the image (container, OCI purl,
 * digest), one operating-system component from os-release, one library component per RPM package.
 */
export function cycloneDxJson(input: CycloneDxInput): string {
  const bom = new Models.Bom({ serialNumber: input.serialNumber ?? `urn:uuid:${randomUUID()}` });
  const { repository, tag } = splitReference(input.reference);
  const hashes = new Models.HashDictionary();
  hashes.set(Enums.HashAlgorithm['SHA-256'], input.manifestDigest.replace(/^sha256:/, ''));
  const imageProps = new Models.PropertyRepository([
    new Models.Property(SbomProperty.imageManifestDigest, input.manifestDigest),
    new Models.Property(SbomProperty.imagePlatformManifestDigest, input.platformManifestDigest),
    new Models.Property(SbomProperty.imagePlatform, input.platform),
    new Models.Property(SbomProperty.rpmDatabase, input.rpmDatabase),
  ]);
  const purl = ociPurl(input.reference, input.manifestDigest, input.platform);
  bom.metadata.timestamp = input.timestamp ?? new Date();
  bom.metadata.component = new Models.Component(Enums.ComponentType.Container, repository, {
    bomRef: purl.toString(),
    version: tag ?? input.manifestDigest,
    purl: purl.toString(),
    hashes,
    properties: imageProps,
  });
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, input.tool.name, { version: input.tool.version }),
  );
  if (input.os) bom.components.add(osComponent(input.os));
  for (const p of input.packages) bom.components.add(rpmComponent(p, input.os));
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}
