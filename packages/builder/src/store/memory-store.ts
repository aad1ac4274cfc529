import { ConflictError, NotFoundError } from '@imagebuild/core';
import type { NewRecord, Store, StoredKind, StoredRecord } from './store.js';

/** A stored resource: its CAS key and creation order, and the record as JSON (immutable, one flat string). */
interface Entry {
  seq: number;
  rv: number;
  json: string;
}

/**
 * The default store: everything in process memory, lost on exit. Records are kept serialised, so a
 * write costs one `JSON.stringify`, a read one `JSON.parse`, and every read is a fresh copy.
 */
export class MemoryStore implements Store {
  /** False: nothing survives the process, so there is nothing to recover. */
  readonly durable = false;
  readonly #tables = new Map<StoredKind, Map<string, Entry>>([
    ['Repository', new Map()],
    ['ImageBuild', new Map()],
    ['ImageExport', new Map()],
  ]);
  #seq = 0;

  #table(kind: StoredKind): Map<string, Entry> {
    return this.#tables.get(kind)!;
  }

  /** A copy of one record, or undefined. */
  async get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined> {
    const entry = this.#table(kind).get(name);
    return entry ? (JSON.parse(entry.json) as StoredRecord<K>) : undefined;
  }

  /** Copies of every record of a kind, newest first. */
  async list<K extends StoredKind>(kind: K): Promise<StoredRecord<K>[]> {
    // Insertion order is seq order; reverse for newest first.
    return [...this.#table(kind).values()].reverse().map((e) => JSON.parse(e.json) as StoredRecord<K>);
  }

  /** Adds a record with the next `seq`; a taken name is a `ConflictError`. */
  async insert<K extends StoredKind>(record: NewRecord<K>): Promise<StoredRecord<K>> {
    const table = this.#table(record.kind);
    if (table.has(record.name)) throw new ConflictError(`${record.kind} "${record.name}" already exists`);
    const seq = ++this.#seq;
    const json = JSON.stringify({ ...record, seq });
    table.set(record.name, { seq, rv: record.resourceVersion, json });
    return JSON.parse(json) as StoredRecord<K>;
  }

  /** Replaces a record if its version is `expectedVersion` (`ConflictError` if not, `NotFoundError` if gone). */
  async update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    const table = this.#table(record.kind);
    const current = table.get(record.name);
    if (!current) throw new NotFoundError(`${record.kind} "${record.name}" not found`);
    if (current.rv !== expectedVersion) {
      throw new ConflictError(
        `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${current.rv}, expected ${expectedVersion})`,
      );
    }
    const json = JSON.stringify(record.seq === current.seq ? record : { ...record, seq: current.seq });
    table.set(record.name, { seq: current.seq, rv: record.resourceVersion, json });
  }

  /** Removes a record; false when there was none. */
  async delete(kind: StoredKind, name: string): Promise<boolean> {
    return this.#table(kind).delete(name);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
