/**
 * A PostgreSQL store for `@imagebuild/builder`: leases with fencing, a cross-process change feed, logs in chunks.
 * @packageDocumentation
 */
// @imagebuild/store-postgres — public API.
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
// The shared-store contract is the builder's (one name and one shape): re-exported for convenience.
export {
  LeaseLostError,
  type Leases,
  type Lease,
  type Claim,
  type ClaimOptions,
  type ChangeStream,
  type Change,
  type ChangeFeedOptions,
  type ChangeListener,
  type JobLogs,
} from '@imagebuild/builder';
export { LOG_CHUNK_LINES, LOG_CHUNK_BYTES } from './log-chunks.js';
export { MIGRATIONS } from './migrations.js';
