import type { Change, ChangeFeedOptions, ChangeListener, ChangeStream, StoredKind } from '@imagebuild/builder';
import pg from 'pg';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

type Listener = ChangeListener;
interface ChangeRow {
  id: string;
  kind: StoredKind;
  name: string;
  rv: string;
  type: string;
  object: string | null;
}

/**
 * Follows `ib_changes`: `LISTEN ib_changes` on a connection of its own wakes it at every commit, and it
 * reads the table from its position, so nothing is lost over a dropped connection (it reconnects and
 * catches up) or a missed notification (it also polls). Ids are taken in write order and a resource's
 * writes are serialised by its row lock, so emitting in id order keeps every resource's order; an id
 * that is missing (a write still committing) holds the position back until it appears or times out.
 */
export class ChangeFeed implements ChangeStream {
  readonly #connectionString: string;
  readonly #query: Query;
  readonly #options: { pollMs: number; gapTimeoutMs: number; batch: number };
  readonly #listeners = new Set<Listener>();
  readonly #onClose: () => void;
  /** Every id up to `#low` is handled. */
  #low = -1;
  /** Ids above `#low` already emitted. */
  readonly #seen = new Set<number>();
  /** When a missing id was first noticed. */
  #gapSince: number | undefined;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #started: Promise<void>;

  constructor(connectionString: string, query: Query, options: ChangeFeedOptions, onClose: () => void) {
    this.#connectionString = connectionString;
    this.#query = query;
    this.#onClose = onClose;
    this.#options = {
      pollMs: options.pollMs ?? 1000,
      gapTimeoutMs: options.gapTimeoutMs ?? 10_000,
      batch: options.batch ?? 1000,
    };
    this.#started = this.#start(options.afterId);
    this.#started.catch(() => {});
  }

  /** Resolves once the feed listens (changes committed after this are seen). */
  ready(): Promise<void> {
    return this.#started;
  }

  /** Calls `listener` for every change; returns the function that stops it. */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #start(afterId: number | undefined): Promise<void> {
    if (afterId === undefined) {
      const { rows } = await this.#query<{ id: string | null }>('SELECT max(id) AS id FROM ib_changes');
      this.#low = Number(rows[0]?.id ?? 0);
    } else {
      this.#low = afterId;
    }
    await this.#connect();
    this.#timer = setInterval(() => this.#wake(), this.#options.pollMs);
    this.#timer.unref();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#connectionString });
    client.on('notification', () => this.#wake());
    client.on('error', () => this.#reconnect(client));
    client.on('end', () => this.#reconnect(client));
    try {
      await client.connect();
      await client.query('LISTEN ib_changes');
    } catch {
      this.#reconnect(client);
      return;
    }
    this.#client = client;
    this.#wake(); // catch up on what was committed while we were away
  }

  #reconnect(client: pg.Client): void {
    if (this.#client === client) this.#client = undefined;
    client.end().catch(() => {});
    if (this.#closed) return;
    setTimeout(() => void this.#connect(), 200).unref();
  }

  #wake(): void {
    if (this.#closed) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) {
        this.#again = false;
        this.#wake();
      }
    });
  }

  async #pump(): Promise<void> {
    for (;;) {
      let rows: ChangeRow[];
      try {
        ({ rows } = await this.#query<ChangeRow>(
          'SELECT id, kind, name, rv, type, object FROM ib_changes WHERE id > $1 ORDER BY id LIMIT $2',
          [this.#low, this.#options.batch],
        ));
      } catch {
        return; // the next notification, poll or reconnect retries
      }
      for (const row of rows) {
        const id = Number(row.id);
        if (this.#seen.has(id)) continue;
        this.#seen.add(id);
        const change: Change = {
          id,
          kind: row.kind,
          name: row.name,
          resourceVersion: Number(row.rv),
          type: row.type === 'delete' ? 'delete' : 'upsert',
          object: row.object ?? undefined,
        };
        for (const fn of [...this.#listeners]) fn(change);
      }
      this.#advance();
      if (rows.length < this.#options.batch || this.#closed) return;
    }
  }

  #advance(): void {
    while (this.#seen.delete(this.#low + 1)) this.#low++;
    if (this.#seen.size === 0) {
      this.#gapSince = undefined;
      return;
    }
    const now = Date.now();
    this.#gapSince ??= now;
    if (now - this.#gapSince < this.#options.gapTimeoutMs) return;
    // A rolled-back write left a hole: step over it to the next id we have.
    this.#low = Math.min(...this.#seen) - 1;
    this.#gapSince = undefined;
    this.#advance();
  }

  /** Stops following; pending callbacks are not called after it resolves. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    if (this.#timer) clearInterval(this.#timer);
    await this.#started.catch(() => {});
    await this.#pumping;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
    this.#onClose();
  }
}
