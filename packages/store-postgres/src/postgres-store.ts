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
import { createHash } from 'node:crypto';
import pg from 'pg';
import { ChangeFeed } from './change-feed.js';
import { LeaseBook } from './lease-book.js';
import { LogChunks } from './log-chunks.js';
import { migrate } from './migrations.js';
import { Batcher, type Outcome, rowsByItem } from './internal/batcher.js';
import {
  afterBuild,
  recordChange,
  RESOURCE_COLUMNS,
  RESOURCE_COLUMNS_R,
  type ResourceRow,
  toRecord,
  writeParams,
} from './internal/rows.js';

const names = new Map<string, string>();
/** A prepared statement's name, from its text (every statement's text is a constant). */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `ib_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

interface Key {
  kind: StoredKind;
  name: string;
}

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
  /** Reads and creates of one moment share a statement (see {@link Batcher}). */
  readonly #gets = new Batcher<Key, StoredRecord | undefined>((keys) => this.#getMany(keys), {
    maxItems: 500,
    maxInFlight: 2,
  });
  readonly #inserts = new Batcher<NewRecord<StoredKind>, StoredRecord | undefined>((recs) => this.#insertMany(recs), {
    maxItems: 200,
    maxInFlight: 1,
  });
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
    // named: each connection parses and plans a statement once, not at every call
    return this.#pool.query<R>({ name: statementName(text), text, values: params });
  }

  /** One resource, or undefined. */
  get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined> {
    return this.#gets.submit({ kind, name }, `${kind}/${name}`) as Promise<StoredRecord<K> | undefined>;
  }

  async #getMany(keys: readonly Key[]): Promise<Outcome<StoredRecord | undefined>[]> {
    const { rows } = await this.#query<ResourceRow & { ord: string }>(
      `SELECT i.ord, ${RESOURCE_COLUMNS_R} FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(kind, name, ord)
       JOIN ib_resources r ON r.kind = i.kind AND r.name = i.name`,
      [keys.map((k) => k.kind), keys.map((k) => k.name)],
    );
    return rowsByItem(keys.length, rows).map((row) => ({ ok: true, value: row && toRecord(row) }));
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
    const rec = await this.#inserts.submit(record, `${record.kind}/${record.name}`);
    if (!rec) throw new ConflictError(`${record.kind} "${record.name}" already exists`);
    return rec as StoredRecord<K>;
  }

  async #insertMany(records: readonly NewRecord<StoredKind>[]): Promise<Outcome<StoredRecord | undefined>[]> {
    const params = records.map((r) => writeParams(r));
    const { rows } = await this.#query<{ ord: string; seq: string }>(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::boolean[],
           $7::text[]) WITH ORDINALITY AS i(kind, name, rv, object, job, open, after_build, ord)),
       -- in one order, as every statement that writes several rows: no two wait for each other in a cycle
       w AS (INSERT INTO ib_resources (kind, name, seq, rv, object, job, open, after_build)
         SELECT kind, name, nextval('ib_seq'), rv, object, job, open, after_build FROM (SELECT * FROM i ORDER BY kind, name) s
         ON CONFLICT DO NOTHING RETURNING kind, name, rv, object, seq),
       ${recordChange('upsert', 'i.ord, w.seq', 'w JOIN i USING (kind, name)')}`,
      [
        records.map((r) => r.kind),
        records.map((r) => r.name),
        records.map((r) => r.resourceVersion),
        params.map((p) => p[0]),
        params.map((p) => p[1]),
        params.map((p) => p[2]),
        records.map((r) => afterBuild(r)),
      ],
    );
    // the caller's record as stored, parsed back from what was written (the caller keeps its own)
    return rowsByItem(records.length, rows).map((row, i) => {
      const [object, job] = params[i]!;
      const rec = records[i]!;
      return {
        ok: true,
        value: row && toRecord({ ...rec, seq: row.seq, rv: String(rec.resourceVersion), object, job }),
      };
    });
  }

  /** Compare-and-swap on `resourceVersion`; refused while another holder's lease on the job is live. */
  async update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    const [object, job, open] = writeParams(record);
    const { rows } = await this.#query<ResourceRow>(
      `WITH w AS (UPDATE ib_resources SET rv = $3, object = $4, job = $5, open = $6
         WHERE kind = $1 AND name = $2 AND rv = $7 AND (lease_expires IS NULL OR lease_expires <= now())
         RETURNING ${RESOURCE_COLUMNS}),
       ${recordChange('upsert')}`,
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
       ${recordChange('delete')}`,
      [kind, name],
    );
    return rows.length > 0;
  }

  /**
   * Asks the holder of a job's lease to cancel it: sets a flag its next renewal returns (within a
   * second). Resolves false when the job does not exist.
   */
  async requestCancel(kind: StoredKind, name: string): Promise<boolean> {
    const { rowCount } = await this.#query(
      'UPDATE ib_resources SET cancel_requested = true WHERE kind = $1 AND name = $2',
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
