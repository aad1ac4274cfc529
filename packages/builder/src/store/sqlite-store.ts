import { createRequire } from 'node:module';
import { ConflictError, NotFoundError, SdkError } from '@imagebuild/core';
import type { NewRecord, Store, StoredKind, StoredRecord } from './store.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** The slice of better-sqlite3's API this store uses (kept local so its types are not part of ours). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  pragma(source: string, options?: { simple: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}
type DatabaseConstructor = new (path: string) => Database;

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file (created if missing). `:memory:` works for tests. */
  path: string;
  /**
   * SQLite `synchronous`: `NORMAL` (default, WAL) never loses a committed write when the process is
   * killed; `FULL` also survives power loss, at a cost per write.
   */
  synchronous?: 'NORMAL' | 'FULL' | undefined;
  /**
   * Where WAL checkpoints run. `background` (default for files): in a worker thread with its own
   * connection, so no write on the caller's thread ever waits for a checkpoint's writes and fsyncs.
   * `inline`: SQLite's automatic checkpoints inside the committing call.
   */
  checkpoints?: 'background' | 'inline' | undefined;
}

/** Writes between nudges of the background checkpointer (about 1–2 WAL pages each). */
const NUDGE_EVERY = 500;
const CHECKPOINT_INTERVAL_MS = 1000;

interface Row {
  kind: StoredKind;
  name: string;
  seq: number;
  rv: number;
  object: string;
  job: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  seq INTEGER NOT NULL,
  rv INTEGER NOT NULL,
  object TEXT NOT NULL,
  job TEXT,
  PRIMARY KEY (kind, name)
);
CREATE INDEX IF NOT EXISTS resources_by_seq ON resources (kind, seq DESC);
CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO sequence (id, value) VALUES (1, 0);
`;

function loadDriver(): { Driver: DatabaseConstructor; path: string } {
  try {
    // Anchored at this file: `__filename` in the CJS build, `import.meta.url` in ESM.
    const here = typeof __filename === 'string' ? __filename : import.meta.url;
    const req = createRequire(here);
    return { Driver: req('better-sqlite3') as DatabaseConstructor, path: req.resolve('better-sqlite3') };
  } catch (err) {
    throw new SdkError(
      'INTERNAL',
      'SqliteStore needs the better-sqlite3 package (12.x), which could not be loaded; install it with `npm install better-sqlite3@12`',
      { cause: err },
    );
  }
}

const toRecord = <K extends StoredKind>(row: Row): StoredRecord<K> => ({
  kind: row.kind as K,
  name: row.name,
  seq: row.seq,
  resourceVersion: row.rv,
  object: JSON.parse(row.object) as StoredRecord<K>['object'],
  ...(row.job ? { job: JSON.parse(row.job) as StoredRecord['job'] } : {}),
});

/**
 * A durable store in one SQLite file (better-sqlite3, WAL). Every write is a committed transaction
 * before the call returns, so a killed process (SIGKILL) loses nothing: with `synchronous=NORMAL`
 * in WAL mode a commit is in the WAL file (the OS page cache) without an fsync; only a power loss
 * or OS crash can roll back the last commits (`synchronous: 'FULL'` covers that too).
 * `update` is a compare-and-swap on `resourceVersion`. One ImageBuilder process per file.
 */
export class SqliteStore implements Store {
  /** True: recovery runs on this store. */
  readonly durable = true;
  readonly #db: Database;
  readonly #get: Statement;
  readonly #list: Statement;
  readonly #insert: (rec: NewRecord) => number;
  readonly #update: Statement;
  readonly #exists: Statement;
  readonly #delete: Statement;
  readonly #checkpointer: WalCheckpointer | undefined;
  #writes = 0;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    const { Driver, path: driverPath } = loadDriver();
    this.#db = new Driver(options.path);
    const wal = String(this.#db.pragma('journal_mode = WAL', { simple: true })).toLowerCase() === 'wal';
    this.#db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('journal_size_limit = 67108864');
    this.#db.exec(SCHEMA);
    if (wal && (options.checkpoints ?? 'background') === 'background') {
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#checkpointer = new WalCheckpointer(driverPath, options.path, CHECKPOINT_INTERVAL_MS, () => {
        // The worker could not run: fall back to SQLite's own checkpoints.
        if (!this.#closed) this.#db.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.#get = this.#db.prepare('SELECT kind, name, seq, rv, object, job FROM resources WHERE kind = ? AND name = ?');
    this.#list = this.#db.prepare(
      'SELECT kind, name, seq, rv, object, job FROM resources WHERE kind = ? ORDER BY seq DESC',
    );
    this.#exists = this.#db.prepare('SELECT rv FROM resources WHERE kind = ? AND name = ?');
    this.#update = this.#db.prepare(
      'UPDATE resources SET rv = ?, object = ?, job = ? WHERE kind = ? AND name = ? AND rv = ?',
    );
    this.#delete = this.#db.prepare('DELETE FROM resources WHERE kind = ? AND name = ?');
    const next = this.#db.prepare('UPDATE sequence SET value = value + 1 WHERE id = 1 RETURNING value');
    const ins = this.#db.prepare('INSERT INTO resources (kind, name, seq, rv, object, job) VALUES (?, ?, ?, ?, ?, ?)');
    this.#insert = this.#db.transaction((rec: NewRecord) => {
      if (this.#exists.get(rec.kind, rec.name) !== undefined)
        throw new ConflictError(`${rec.kind} "${rec.name}" already exists`);
      const seq = (next.get() as { value: number }).value;
      ins.run(
        rec.kind,
        rec.name,
        seq,
        rec.resourceVersion,
        JSON.stringify(rec.object),
        rec.job ? JSON.stringify(rec.job) : null,
      );
      return seq;
    });
  }

  #open(): void {
    if (this.#closed) throw new SdkError('INTERNAL', 'the SqliteStore is closed');
  }

  #wrote(): void {
    if (this.#checkpointer && ++this.#writes % NUDGE_EVERY === 0) this.#checkpointer.nudge();
  }

  /** One record, or undefined. Rejects once closed, as every method but `close` does. */
  async get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined> {
    this.#open();
    const row = this.#get.get(kind, name) as Row | undefined;
    return row ? toRecord<K>(row) : undefined;
  }

  /** Every record of a kind, newest first. */
  async list<K extends StoredKind>(kind: K): Promise<StoredRecord<K>[]> {
    this.#open();
    return (this.#list.all(kind) as Row[]).map((r) => toRecord<K>(r));
  }

  /** Adds a record with the next `seq`, in one transaction; a taken name is a `ConflictError`. */
  async insert<K extends StoredKind>(record: NewRecord<K>): Promise<StoredRecord<K>> {
    this.#open();
    const seq = this.#insert(record as NewRecord);
    this.#wrote();
    return { ...(JSON.parse(JSON.stringify(record)) as NewRecord<K>), seq } as StoredRecord<K>;
  }

  /** Compare-and-swap on `resourceVersion` (`ConflictError` on a mismatch, `NotFoundError` if gone). */
  async update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    this.#open();
    const { changes } = this.#update.run(
      record.resourceVersion,
      JSON.stringify(record.object),
      record.job ? JSON.stringify(record.job) : null,
      record.kind,
      record.name,
      expectedVersion,
    );
    if (changes === 1) return this.#wrote();
    const row = this.#exists.get(record.kind, record.name) as { rv: number } | undefined;
    if (!row) throw new NotFoundError(`${record.kind} "${record.name}" not found`);
    throw new ConflictError(
      `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${row.rv}, expected ${expectedVersion})`,
    );
  }

  /** Removes a record; false when there was none. */
  async delete(kind: StoredKind, name: string): Promise<boolean> {
    this.#open();
    const gone = this.#delete.run(kind, name).changes > 0;
    this.#wrote();
    return gone;
  }

  /** Stops the background checkpointer and closes the database; later calls do nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#checkpointer?.stop();
    this.#db.close();
  }
}
