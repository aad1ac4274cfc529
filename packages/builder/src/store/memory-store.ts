import { ConflictError, NotFoundError } from '@imagebuild/core';
import type { NewRecord, Store, StoredKind, StoredRecord } from './store.js';

// Records are JSON data; a JSON round trip is the cheapest deep copy for them.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The default store: everything in process memory, lost on exit. */
export class MemoryStore implements Store {
  readonly durable = false;
  readonly #tables = new Map<StoredKind, Map<string, StoredRecord>>([
    ['Repository', new Map()],
    ['ImageBuild', new Map()],
    ['ImageExport', new Map()],
  ]);
  #seq = 0;

  #table(kind: StoredKind): Map<string, StoredRecord> {
    return this.#tables.get(kind)!;
  }

  async get<K extends StoredKind>(kind: K, name: string): Promise<StoredRecord<K> | undefined> {
    const rec = this.#table(kind).get(name);
    return rec ? (copy(rec) as StoredRecord<K>) : undefined;
  }

  async list<K extends StoredKind>(kind: K): Promise<StoredRecord<K>[]> {
    // Insertion order is seq order; reverse for newest first.
    return [...this.#table(kind).values()].reverse().map((r) => copy(r) as StoredRecord<K>);
  }

  async insert<K extends StoredKind>(record: NewRecord<K>): Promise<StoredRecord<K>> {
    const table = this.#table(record.kind);
    if (table.has(record.name)) throw new ConflictError(`${record.kind} "${record.name}" already exists`);
    const stored = { ...copy(record), seq: ++this.#seq } as StoredRecord<K>;
    table.set(record.name, stored as StoredRecord);
    return copy(stored);
  }

  async update<K extends StoredKind>(record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    const table = this.#table(record.kind);
    const current = table.get(record.name);
    if (!current) throw new NotFoundError(`${record.kind} "${record.name}" not found`);
    if (current.resourceVersion !== expectedVersion) {
      throw new ConflictError(
        `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${current.resourceVersion}, expected ${expectedVersion})`,
      );
    }
    table.set(record.name, { ...copy(record), seq: current.seq } as StoredRecord);
  }

  async delete(kind: StoredKind, name: string): Promise<boolean> {
    return this.#table(kind).delete(name);
  }

  async close(): Promise<void> {}
}
