/**
 * A PostgreSQL store for `@imagebuild/builder`: leases with fencing, a cross-process change feed, logs in chunks.
 * @packageDocumentation
 */
// @imagebuild/store-postgres — public API.
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { LeaseLostError, type Leases, type Lease, type Claim, type ClaimOptions } from './lease-book.js';
export type { ChangeStream, Change, ChangeFeedOptions, ChangeListener } from './change-feed.js';
export { type JobLogs, LOG_CHUNK_LINES, LOG_CHUNK_BYTES } from './log-chunks.js';
export { MIGRATIONS } from './migrations.js';
