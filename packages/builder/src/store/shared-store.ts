import { ConflictError } from '@imagebuild/core';
import type { JobKind } from '../watch/events.js';
import type { Store, StoredKind, StoredRecord } from './store.js';

/** A process's right to write one job's transitions until `expiresAt`, fenced by `epoch`. */
export interface Lease {
  /** The job's kind. */
  readonly kind: JobKind;
  /** The job's name. */
  readonly name: string;
  /** Who holds it: a builder process's id. */
  readonly holder: string;
  /** Bumped by every claim: a write carrying an older epoch is refused. */
  readonly epoch: number;
  /** Expiry as seen by the database clock (ms since the epoch). */
  readonly expiresAt: number;
  /** The holder whose lease expired when this claim took the job over (undefined: a first claim). */
  readonly previousHolder: string | undefined;
}

/** What a claim hands over: the lease and the job as it was when claimed. */
export interface Claim<K extends JobKind = JobKind> {
  /** The new lease. */
  lease: Lease;
  /** The job when it was claimed. */
  record: StoredRecord<K>;
}

/** Options of {@link Leases.claim}. */
export interface ClaimOptions {
  /** The kinds to claim (default both). */
  kinds?: readonly JobKind[] | undefined;
  /** At most this many claims (default 1). */
  limit?: number | undefined;
  /** Lease time in ms. */
  ttlMs: number;
  /** Live leases allowed across every process (a global concurrency limit); unlimited when undefined. */
  maxActive?: number | undefined;
  /**
   * Only jobs whose holder's lease expired after they had started (their Ready reason is past Pending):
   * ending them ("builder process lost") needs no free slot, so a busy process still takes them over.
   */
  abandoned?: boolean | undefined;
}

/** The holder lost the lease (it expired and another process may have claimed the job): stop writing. */
export class LeaseLostError extends ConflictError {
  constructor(kind: string, name: string) {
    super(`${kind} "${name}": this process no longer holds its lease`);
  }
}

/**
 * Leases on jobs. A claim takes open jobs nobody holds (or whose holder's lease expired), oldest first;
 * an export is claimable only once its build is terminal. Writes through `update` succeed only for the
 * live lease's holder and epoch; a write that makes the job terminal frees the lease.
 */
export interface Leases {
  /** Claims up to `limit` open jobs for `holder`, each with a new epoch; a takeover names the `previousHolder`. */
  claim(holder: string, options: ClaimOptions): Promise<Claim[]>;
  /** Extends a live lease; undefined when it was lost. Also says whether a cancel was requested. */
  renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; cancelRequested: boolean } | undefined>;
  /** Gives a lease up; false when it was no longer held. */
  release(lease: Lease): Promise<boolean>;
  /**
   * Places a held lease's job on an engine if fewer than `limit` live leases are placed there (counted
   * and placed atomically across processes); false when the engine is full or the lease is lost.
   */
  placeOn(lease: Lease, engine: string, limit: number): Promise<boolean>;
  /** The fenced write (holder, epoch, expiry and version checked in one statement); `LeaseLostError` if not held. */
  update<K extends JobKind>(lease: Lease, record: StoredRecord<K>, expectedVersion: number): Promise<void>;
}

/** Job logs kept in the shared store, so any process can read the log of a job running in another. */
export interface JobLogs {
  /** Appends lines (the job's owner is the only appender); resolves the number of lines now stored. */
  append(kind: JobKind, name: string, uid: string, lines: readonly string[]): Promise<number>;
  /** Lines `from` (0-based) onwards, at most `limit` (default 10,000), of one incarnation of a job. */
  read(kind: JobKind, name: string, uid: string, from?: number, limit?: number): Promise<string[]>;
  /** Lines stored for one incarnation of a job. */
  count(kind: JobKind, name: string, uid: string): Promise<number>;
  /** Removes every chunk of a job (all incarnations). */
  remove(kind: JobKind, name: string): Promise<void>;
}

/** One committed write, as every process sees it. */
export interface Change {
  /** Position in the feed (increasing; commit order per resource). */
  readonly id: number;
  /** The resource's kind. */
  readonly kind: StoredKind;
  /** The resource's name. */
  readonly name: string;
  /** The resource version the write produced (a delete: the last version + 1). */
  readonly resourceVersion: number;
  /** A write (insert or update) or a delete. */
  readonly type: 'upsert' | 'delete';
  /** The stored object at that version, as JSON (undefined for a delete). */
  readonly object: string | undefined;
}

/** Options of {@link SharedStore.changes}. */
export interface ChangeFeedOptions {
  /** Start after this position (default: the newest change when the feed starts). */
  afterId?: number | undefined;
  /** Read the table at least this often even without a notification (default 1000 ms). */
  pollMs?: number | undefined;
  /** A position missing this long is taken for a rolled-back write and skipped (default 10 s). */
  gapTimeoutMs?: number | undefined;
  /** Rows per read (default 1000). */
  batch?: number | undefined;
}

/** A change feed's subscriber. */
export type ChangeListener = (change: Change) => void;

/** A follower of every write of every process. */
export interface ChangeStream {
  /** Resolves once it listens (changes committed after this are seen). */
  ready(): Promise<void>;
  /** Calls `listener` for every change; returns the function that stops it. */
  on(listener: ChangeListener): () => void;
  /** Stops following; no callback runs after it resolves. */
  close(): Promise<void>;
}

/**
 * A store several builder processes share (`PostgresStore`): besides the `Store` contract, job leases
 * (one writer per job), a change feed every process follows, logs any process can read and cancel
 * requests that reach the process running a job. An `ImageBuilder` on such a store claims its work
 * from it instead of queueing in memory.
 */
export interface SharedStore extends Store {
  /** Claims, renewals, releases and fenced writes of jobs. */
  readonly leases: Leases;
  /** Job logs in bounded chunks. */
  readonly logs: JobLogs;
  /** Follows every write of every process, in order per resource. */
  changes(options?: ChangeFeedOptions): ChangeStream;
  /** Asks the holder of a job's lease to cancel it (its renewals say so); false when the job does not exist. */
  requestCancel(kind: StoredKind, name: string): Promise<boolean>;
}

/** Whether a store is shared by several processes (it offers leases, a change feed and logs). */
export function isSharedStore(store: Store): store is SharedStore {
  const s = store as Partial<SharedStore>;
  return typeof s.changes === 'function' && typeof s.requestCancel === 'function' && s.leases !== undefined;
}
