// @imagebuild/client — typed client for the Flight Control image-builder API (openapi-fetch).
export { ImageBuilderClient, createImageBuilderClient } from './client.js';
// Wire constants live in core; re-exported so a client user needs one import.
export { API_VERSION, CORE_API_VERSION } from '@imagebuild/core';
export {
  API_VERSION_HEADER,
  CORE_VERSION,
  IMAGEBUILDER_VERSION,
  LOG_STREAM_COMPLETE,
} from '@imagebuild/core/resources';
export type {
  ImageBuilderClientOptions,
  ClientTlsOptions,
  RetryOptions,
  TokenSource,
} from './config.js';
export { deriveImageBuilderUrl } from './addresses.js';
export { apiErrorFrom, unwrap, isApiStatus, type StatusBody } from './errors.js';
export { Paged } from './paged.js';
export type { ClientListOptions, Selector } from './list-options.js';
export { ImageBuildSboms, type SbomDownload, type SbomListItem } from './resources/image-build-sboms.js';
export { ImageBuilds, type ImageBuildListOptions } from './resources/image-builds.js';
export { ImageExports } from './resources/image-exports.js';
export { ImagePromotions } from './resources/image-promotions.js';
export { Repositories, type RepositoryCreate } from './resources/repositories.js';
export type { FollowLogOptions } from './logs/follow-log.js';
export { parseSse, type SseEvent } from './logs/sse.js';
export type { DownloadStreamOptions, DownloadInfo, DownloadSession } from './download/download.js';
export type { DownloadToFileOptions, DownloadToFileResult } from './download/to-file.js';
export type { TransferProgress } from '@imagebuild/core/operation';
export {
  readyReason,
  isFinished,
  type HasConditions,
  type WaitForOptions,
  type WaitableKind,
  type WaitableKinds,
} from './wait-for.js';
export { ENROLLMENT_SIGNER, type EnrollmentRequestOptions } from './enrollment/request-enrollment.js';
export type {
  ImageBuilderPaths,
  CorePaths,
  ImageBuild,
  ImageBuildList,
  ImageBuildSpec,
  ImageBuildNewVersionRequest,
  ImageExport,
  ImageExportList,
  ImagePromotion,
  ImagePromotionList,
  PatchRequest,
  Status,
  CoreStatus,
  Condition,
  ExportFormat,
  Repository,
  RepositoryList,
  CertificateSigningRequest,
  WireEnrollmentConfig,
  CallOptions,
} from './types.js';
