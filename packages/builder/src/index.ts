// @imagebuild/builder — public API.
export { ImageBuilder } from './image-builder.js';
export type { ImageBuilderOptions, PoolEntry } from './options.js';
export { MemoryStore } from './store/memory-store.js';
export type { Store, StoredKind, StoredObject, StoredRecord, NewRecord, JobState } from './store/store.js';
export {
  isSharedStore,
  LeaseLostError,
  type SharedStore,
  type Lease,
  type Leases,
  type Claim,
  type ClaimOptions,
  type JobLogs,
  type Change,
  type ChangeFeedOptions,
  type ChangeListener,
  type ChangeStream,
} from './store/shared-store.js';
export type { WatchEvent, CreatedEvent, PhaseEvent, DeletedEvent, WatchOptions, JobKind } from './watch/events.js';
export type { LogReadOptions, LogWindow, LogWindowOptions } from './logs/log-book.js';
export { DEFAULT_LOG_TAIL } from './logs/log-book.js';
export type { CallOptions, ListOptions, TransferProgress } from '@imagebuild/core/operation';
export {
  INTERRUPTED_MESSAGE,
  NEW_VERSION_ANNOTATION,
  type NewVersionRequest,
  type RecoveryReport,
  type WithExports,
} from './job-api.js';
export type { SweepReport } from './sweep-report.js';
export { compileLabelSelector, type LabelMatcher } from './selectors/label-selector.js';
export { compileFieldSelector, FIELD_SELECTORS } from './selectors/field-selector.js';
export type { DownloadOptions } from './download-options.js';
export type { Sbom, SbomInfo, SbomReadOptions } from './sbom-types.js';
export type { ExportArtifact, ArtifactReadOptions, OpenExportOptions } from './export-artifact-types.js';
export type { DownloadResult } from '@imagebuild/oci';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
