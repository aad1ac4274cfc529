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
} from '@imagebuild/core/runner';
// Signing (sigstore-style attachments, verified by containers/image).
export { keySigner, pemFileSigner, type Signer } from './signing/signer.js';
export {
  simpleSigningPayload,
  signatureTag,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SIMPLE_SIGNING_TYPE,
  SIGNATURE_ANNOTATION,
} from './signing/simple-signing.js';
export { signImage, type SignImageOptions, type SignImageResult } from './signing/sign-image.js';
export { devicePolicy, type DevicePolicy, type DevicePolicyOptions } from './signing/device-policy.js';
export { verifyImageSignature, type VerifyImageOptions, type VerifyImageResult } from './signing/verify-image.js';
