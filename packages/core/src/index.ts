// @imagebuild/core — the small root: what an application embedding the SDK needs (resource types and
// parsing, errors, the logger, call options). The rest is in subpath entries:
//   /resources      schemas, rules, wire constants, cross-checks
//   /lifecycle      state machines and the Ready condition
//   /containerfile  Containerfile, build context, enrollment configuration
//   /refs           image references
//   /runner         the runner contract and the converter (bootc-image-builder) options
//   /errors  /operation  /retry  /logger
export {
  SdkError,
  isSdkError,
  ValidationError,
  NotFoundError,
  ConflictError,
  TimeoutError,
  AbortError,
  type ErrorCode,
  type SdkErrorOptions,
  type ValidationIssue,
} from './errors/index.js';
export { createLogger, childLogger, silentLogger, type Logger, type LogLevel } from './logger/index.js';
export { Operation, type CallOptions, type ListOptions, type TransferProgress } from './operation/index.js';
export { API_VERSION, CORE_API_VERSION } from './wire/constants.js';
export type { ImageBuild, ImageBuildInput } from './resources/image-build.js';
export type { ImageExport, ImageExportInput } from './resources/image-export.js';
export type { Repository, RepositoryInput } from './resources/repository.js';
export type { ExportFormat } from './resources/export-format.js';
export { parseImageBuild, parseImageExport, parseRepository, type ParseOptions } from './parse/parse-resource.js';
export {
  parseDocuments,
  parseDocumentsOrThrow,
  parseResource,
  type DocumentResult,
  type Resource,
  type ResourceKind,
} from './parse/parse-documents.js';
export type { Runner } from './runner/index.js';
export { parseEnrollmentConfig, type EnrollmentConfig } from './containerfile/enrollment-config.js';
