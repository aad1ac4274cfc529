// @imagebuild/oci — public API. Explicit list; private code lives in src/internal/.
export { RegistryClient } from './registry-client.js';
export {
  optionsFromRepository,
  type RegistryClientOptions,
  type OciRepositoryLike,
  type RegistryTimeouts,
} from './client-options.js';
export {
  pushArtifact,
  PushArtifactOperation,
  type PushArtifactOptions,
  type PushArtifactResult,
  type PushArtifactEvents,
} from './push-artifact.js';
export {
  downloadArtifact,
  downloadBlob,
  findArtifact,
  DownloadOperation,
  type DownloadArtifactOptions,
  type DownloadBlobOptions,
  type DownloadResult,
  type DownloadEvents,
} from './download.js';
export { isDigest, isTag } from './reference.js';
export {
  MediaType,
  Annotation,
  MANIFEST_ACCEPT,
  EMPTY_CONFIG_DATA,
  EMPTY_CONFIG_DIGEST,
  isIndexMediaType,
  isImageManifestMediaType,
} from './media-types.js';
export type {
  Descriptor,
  ImageManifest,
  ImageIndex,
  FetchedManifest,
  Platform,
  BlobFileDownload,
  BlobResponse,
} from './types.js';
export type { BlobSource, UploadOptions, UploadProgress, UploadSessionEnd } from './upload-options.js';
export type { DownloadProgress } from './download.js';
export { referrersTag, type ListReferrersOptions } from './referrers.js';
export {
  pushContainerDisk,
  PushContainerDiskOperation,
  CONTAINERDISK_ARTIFACT_TYPE,
  type PushContainerDiskOptions,
  type PushContainerDiskResult,
  type PushContainerDiskEvents,
} from './containerdisk.js';
