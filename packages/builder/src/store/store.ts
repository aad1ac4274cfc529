import type { ImageBuild, ImageExport, Repository } from '@imagebuild/core';

/** Kinds of resource the builder keeps. */
export type StoredKind = 'Repository' | 'ImageBuild' | 'ImageExport';

/** The stored object of a kind. Repository passwords are sealed before they reach a store (see `credentialKey`). */
export type StoredObject<K extends StoredKind> = K extends 'Repository'
  ? Repository
  : K extends 'ImageBuild'
    ? ImageBuild
    : ImageExport;

/** Runtime bookkeeping of a build or export job (never part of the API object). */
export interface JobState {
  /** Unique id of this incarnation of the job; the runner's `io.imagebuild.job` label value. */
  uid: string;
  /** Name of the runner the job was started on (for restart clean-up). */
  runner?: string | undefined;
  /** Why a Canceling job is being canceled: a user/cascade cancel ends Canceled, a timeout ends Failed. */
  cancelCause?: 'user' | 'timeout' | undefined;
}

/** One stored resource. */
export interface StoredRecord<K extends StoredKind = StoredKind> {
  /** Kind of the resource; with `name`, the key. */
  kind: K;
  /** `metadata.name`. */
  name: string;
  /** Creation order, assigned by the store on insert (strictly increasing, never reused). */
  seq: number;
  /** Bumped on every write; the CAS key for optimistic concurrency. */
  resourceVersion: number;
  /** The API object as stored. */
  object: StoredObject<K>;
  /** Runtime bookkeeping, for builds and exports. */
  job?: JobState | undefined;
}

/** What `insert` takes: everything but the store-assigned `seq`. */
export type NewRecord<K extends StoredKind = StoredKind> = Omit<StoredRecord<K>, 'seq'>;

/**
 * Persistence behind an `ImageBuilder`. Implementations: `MemoryStore` (default) and `SqliteStore`
 * (durable). Every method returns copies: callers may mutate what they get.
 *
 * Optimistic concurrency: `update` succeeds only when the stored `resourceVersion` equals
 * `expectedVersion`, and rejects with `ConflictError` otherwise.
 */
export interface Store {
  /** One resource, or undefined. */
  get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined>;
  /** Every resource of a kind, newest first (descending `seq`). */
  list<K extends StoredKind>(kind: K): Promise<StoredRecord<K>[]>;
  /** Adds a resource; rejects with `ConflictError` when the name is taken. Returns the record with its `seq`. */
  insert<K extends StoredKind>(record: NewRecord<K>): Promise<StoredRecord<K>>;
  /** Replaces a resource if its stored version is `expectedVersion` (`ConflictError` if not, `NotFoundError` if gone). */
  update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void>;
  /** Removes a resource; resolves false when it did not exist. */
  delete(kind: StoredKind, name: string): Promise<boolean>;
  /** True for stores that survive a process restart (recovery runs on them). */
  readonly durable: boolean;
  /** Releases the store. */
  close(): Promise<void>;
}
