// @imagebuild/builder — public API.
export { ImageBuilder } from './image-builder.js';
export type { ImageBuilderOptions, PoolEntry } from './options.js';
export { MemoryStore } from './store/memory-store.js';
export type { Store, StoredKind, StoredObject, StoredRecord, NewRecord, JobState } from './store/store.js';
export type { WatchEvent, CreatedEvent, PhaseEvent, DeletedEvent, WatchOptions, JobKind } from './watch/events.js';
export type { LogReadOptions } from './logs/log-book.js';
export type { ListOptions } from './internal/list.js';
export type { NewVersionRequest, WithExports } from './internal/jobs.js';
export { NEW_VERSION_ANNOTATION } from './internal/jobs.js';
export type { RecoveryReport } from './internal/recovery.js';
export { INTERRUPTED_MESSAGE } from './internal/recovery.js';
export { compileLabelSelector, type LabelMatcher } from './selectors/label-selector.js';
export { compileFieldSelector, FIELD_SELECTORS } from './selectors/field-selector.js';
export type { DownloadOptions } from './internal/download.js';
export type { Sbom, SbomInfo, SbomReadOptions } from './internal/sbom.js';
export type { ExportArtifact, ArtifactReadOptions, OpenExportOptions } from './internal/export-artifact.js';
export type { DownloadResult, DownloadProgress } from '@imagebuild/oci';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
