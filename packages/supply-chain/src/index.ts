// @imagebuild/supply-chain — public API. Explicit list; private code lives in src/internal/.
export { NativeSbomGenerator, DEFAULT_MAX_READ_BYTES, type NativeSbomGeneratorOptions } from './native-generator.js';
export { directoryFiles } from './directory-files.js';
export { cycloneDxJson, SbomProperty, type CycloneDxInput } from './cyclonedx-document.js';
export { parseOsRelease, type OsRelease } from './os-release.js';
export { rpmEvr, rpmPurl, ociPurl } from './purl.js';
export { parseRpmHeader, RpmTag, type RpmPackage } from './rpm/rpm-header.js';
export {
  readRpmDatabase,
  RPMDB_DIRECTORIES,
  type RpmDatabase,
  type ReadRpmDatabaseOptions,
} from './rpm/rpm-database.js';
// The contract (defined in core so runners and generators share one shape).
export {
  SBOM_MEDIA_TYPE,
  type ImageFileEntry,
  type ImageFileReader,
  type SbomDocument,
  type SbomGenerator,
  type SbomInput,
  type SbomResult,
} from '@imagebuild/core';
