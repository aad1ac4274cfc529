import { ConflictError, NotFoundError, SdkError } from '@imagebuild/core';
import type {
  ChangeFeedOptions,
  ChangeStream,
  JobLogs,
  Leases,
  NewRecord,
  SharedStore,
  StoredKind,
  StoredRecord,
} from '@imagebuild/builder';
import pg from 'pg';
import { ChangeFeed } from './change-feed.js';
import { LeaseBook } from './lease-book.js';
import { LogChunks } from './log-chunks.js';
import { migrate } from './migrations.js';
import {
  afterBuild,
  RECORD_CHANGE,
  RESOURCE_COLUMNS,
  type ResourceRow,
  toRecord,
  writeParams,
} from './internal/rows.js';

/** Options of a {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`; ignored when `pool` is given. */
  connectionString?: string | undefined;
  /** A pool of your own (its `max` bounds this store's connections); the store does not end it. */
  pool?: pg.Pool | undefined;
  /** Connections of the pool the store creates (default 10). */
  maxConnections?: number | undefined;
}

/**
 * The builder's store in PostgreSQL, shared by any number of builder processes. Besides the `Store`
 * contract (compare-and-swap on `resourceVersion`), it keeps for every job a lease (holder, fencing
 * epoch, expiry: {@link PostgresStore.leases}), a change feed that every process can follow
 * ({@link PostgresStore.changes}) and job logs in bounded chunks ({@link PostgresStore.logs}).
 *
 * A plain `update` is refused while another holder's lease on the job is live: a job's transitions
 * are written by its lease holder only, through `leases.update`, which checks the holder and epoch.
 */
export class PostgresStore implements SharedStore {
  /** PostgreSQL keeps everything across restarts: recovery runs. */
  readonly durable = true;
  /** Claims, renewals, releases and fenced writes of jobs. */
  readonly leases: Leases;
  /** Job logs in bounded chunks. */
  readonly logs: JobLogs;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #ready: Promise<void>;
  readonly #feeds = new Set<ChangeFeed>();
  readonly #connectionString: string | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    if (!options.pool && !options.connectionString) {
      throw new SdkError('VALIDATION', 'PostgresStore needs a connectionString or a pool');
    }
    this.#connectionString = options.connectionString;
    this.#ownsPool = !options.pool;
    this.#pool =
      options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    // An idle client's error (the server restarted) must not crash the process: the pool drops it.
    this.#pool.on('error', () => {});
    this.#ready = this.#migrate();
    this.#ready.catch(() => {});
    this.leases = new LeaseBook(
      (text, params) => this.#query(text, params),
      this.#pool,
      () => this.#ready,
    );
    this.logs = new LogChunks((text, params) => this.#query(text, params));
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  }

  /** Resolves once the schema is migrated (every call waits for it anyway). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new SdkError('INTERNAL', 'the PostgresStore is closed');
    await this.#ready;
    return this.#pool.query<R>(text, params);
  }

  /** One resource, or undefined. */
  async get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined> {
    const { rows } = await this.#query<ResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM ib_resources WHERE kind = $1 AND name = $2`,
      [kind, name],
    );
    return rows[0] ? toRecord<K>(rows[0]) : undefined;
  }

  /** Every resource of a kind, newest first. */
  async list<K extends StoredKind>(kind: K): Promise<StoredRecord<K>[]> {
    const { rows } = await this.#query<ResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM ib_resources WHERE kind = $1 ORDER BY seq DESC`,
      [kind],
    );
    return rows.map((r) => toRecord<K>(r));
  }

  /** Adds a resource (`ConflictError` when the name is taken), with the next `seq`. */
  async insert<K extends StoredKind>(record: NewRecord<K>): Promise<StoredRecord<K>> {
    const [object, job, open] = writeParams(record);
    const { rows } = await this.#query<ResourceRow>(
      `WITH w AS (INSERT INTO ib_resources (kind, name, seq, rv, object, job, open, after_build)
         VALUES ($1, $2, nextval('ib_seq'), $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ${RESOURCE_COLUMNS}),
       ${RECORD_CHANGE.replace('$TYPE', "'upsert'")}`,
      [record.kind, record.name, record.resourceVersion, object, job, open, afterBuild(record)],
    );
    if (!rows[0]) throw new ConflictError(`${record.kind} "${record.name}" already exists`);
    return toRecord<K>(rows[0]);
  }

  /** Compare-and-swap on `resourceVersion`; refused while another holder's lease on the job is live. */
  async update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    const [object, job, open] = writeParams(record);
    const { rows } = await this.#query<ResourceRow>(
      `WITH w AS (UPDATE ib_resources SET rv = $3, object = $4, job = $5, open = $6
         WHERE kind = $1 AND name = $2 AND rv = $7 AND (lease_expires IS NULL OR lease_expires <= now())
         RETURNING ${RESOURCE_COLUMNS}),
       ${RECORD_CHANGE.replace('$TYPE', "'upsert'")}`,
      [record.kind, record.name, record.resourceVersion, object, job, open, expectedVersion],
    );
    if (rows[0]) return;
    const { rows: now } = await this.#query<{ rv: string; leased: boolean }>(
      'SELECT rv, (lease_expires > now()) AS leased FROM ib_resources WHERE kind = $1 AND name = $2',
      [record.kind, record.name],
    );
    if (!now[0]) throw new NotFoundError(`${record.kind} "${record.name}" not found`);
    if (now[0].leased && Number(now[0].rv) === expectedVersion) {
      throw new ConflictError(`${record.kind} "${record.name}" is leased by a builder process: only it may write`);
    }
    throw new ConflictError(
      `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${now[0].rv}, expected ${expectedVersion})`,
    );
  }

  /** Removes a resource (whoever holds its lease); resolves false when it did not exist. */
  async delete(kind: StoredKind, name: string): Promise<boolean> {
    const { rows } = await this.#query<ResourceRow>(
      `WITH w AS (DELETE FROM ib_resources WHERE kind = $1 AND name = $2 RETURNING kind, name, rv + 1 AS rv, NULL::text AS object),
       ${RECORD_CHANGE.replace('$TYPE', "'delete'")}`,
      [kind, name],
    );
    return rows.length > 0;
  }

  /**
   * Asks the holder of a job's lease to cancel it: sets a flag its heartbeat returns and notifies every
   * process at once (`ib_cancel`). Resolves false when the job does not exist.
   */
  async requestCancel(kind: StoredKind, name: string): Promise<boolean> {
    const { rowCount } = await this.#query(
      `WITH w AS (UPDATE ib_resources SET cancel_requested = true WHERE kind = $1 AND name = $2 RETURNING kind, name)
       SELECT pg_notify('ib_cancel', w.kind || '/' || w.name) FROM w`,
      [kind, name],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Follows every write of every process, in commit order per resource, from now (or `afterId`), with
   * catch-up from the table after a reconnect. Stop it with `close()`; `close()` of the store stops it too.
   */
  changes(options: ChangeFeedOptions = {}): ChangeStream {
    if (!this.#connectionString) {
      throw new SdkError('VALIDATION', 'PostgresStore.changes needs the store to be built with a connectionString');
    }
    const feed = new ChangeFeed(
      this.#connectionString,
      (text, params) => this.#query(text, params),
      options,
      () => this.#feeds.delete(feed),
    );
    this.#feeds.add(feed);
    return feed;
  }

  /** Stops the change feeds and ends the pool it created. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#feeds].map((f) => f.close()));
    this.#closed = true;
    if (this.#ownsPool) await this.#pool.end();
  }
}
