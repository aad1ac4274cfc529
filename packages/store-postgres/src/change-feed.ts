import type { Change, ChangeFeedOptions, ChangeListener, ChangeStream, StoredKind } from '@imagebuild/builder';
import pg from 'pg';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

type Listener = ChangeListener;
/** A change as a row of `ib_changes` (bigint columns as strings) or a notification's header has it. */
interface ChangeRow {
  id: string | number;
  kind: StoredKind;
  name: string;
  rv: string | number;
  type: string;
  object: string | null;
}

function toChange(row: ChangeRow): Change {
  return {
    id: Number(row.id),
    kind: row.kind,
    name: row.name,
    resourceVersion: Number(row.rv),
    type: row.type === 'delete' ? 'delete' : 'upsert',
    object: row.object ?? undefined,
  };
}

/** Changes held behind a read in flight before they are dropped for one more read. */
const MAX_STEPS = 10_000;

/** What the feed does next, in arrival order: emit a change a notification carried, or read the table. */
type Step = Change | 'read';

/**
 * Follows `ib_changes`. Every write notifies `ib_changes` at commit with the change itself (its header as
 * JSON, a newline, the object), or with its id alone when that would not fit in a notification; a
 * `LISTEN` connection of its own receives them in commit order. A carried change is emitted as it
 * arrives, with no read; an id alone, a reconnect (catch-up) and a poll (a missed notification) read
 * the table from the feed's position instead. Steps run one at a time in arrival order, so a change
 * that arrives while a read is in flight waits for it: a resource's writes are serialised by its row
 * lock, so its changes commit, and are emitted, in id order. Ids seen are remembered above the
 * position; an id that is missing (a write still committing) holds the position back until it
 * appears or times out.
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
  readonly #steps: Step[] = [];
  #running: Promise<void> | undefined;
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
    this.#timer = setInterval(() => this.#step('read'), this.#options.pollMs);
    this.#timer.unref();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#connectionString });
    client.on('notification', (msg) => this.#step(parseNotification(msg.payload)));
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
    this.#step('read'); // catch up on what was committed while we were away
  }

  #reconnect(client: pg.Client): void {
    if (this.#client === client) this.#client = undefined;
    client.end().catch(() => {});
    if (this.#closed) return;
    setTimeout(() => void this.#connect(), 200).unref();
  }

  #step(step: Step): void {
    if (this.#closed) return;
    // A read already waiting covers this one: it starts later, so it sees at least as much.
    if (step === 'read' && this.#steps.includes('read')) return;
    if (this.#steps.length >= MAX_STEPS) {
      // Bounded memory behind a slow read: one read later sees every change these carried.
      this.#steps.length = 0;
      step = 'read';
    }
    this.#steps.push(step);
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  async #run(): Promise<void> {
    while (this.#steps.length > 0 && !this.#closed) {
      const step = this.#steps.shift()!;
      if (step === 'read') await this.#read();
      else this.#emit(step);
      this.#advance();
    }
  }

  #emit(change: Change): void {
    if (change.id <= this.#low || this.#seen.has(change.id)) return;
    this.#seen.add(change.id);
    for (const fn of [...this.#listeners]) fn(change);
  }

  async #read(): Promise<void> {
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
      for (const row of rows) this.#emit(toChange(row));
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
    await this.#running;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
    this.#onClose();
  }
}

/**
 * A notification's step: the change it carries (`[id, kind, name, rv, type]` as JSON, a newline, then
 * the object, empty when there is none), or a table read for an id alone or anything else.
 */
function parseNotification(payload: string | undefined): Step {
  const cut = payload?.indexOf('\n') ?? -1;
  if (payload === undefined || cut < 0) return 'read';
  try {
    const [id, kind, name, rv, type] = JSON.parse(payload.slice(0, cut)) as unknown[];
    if (typeof id !== 'number' || typeof kind !== 'string' || typeof name !== 'string' || typeof rv !== 'number') {
      return 'read';
    }
    const object = payload.slice(cut + 1);
    return toChange({
      id,
      kind: kind as StoredKind,
      name,
      rv,
      type: String(type),
      object: object === '' ? null : object,
    });
  } catch {
    return 'read';
  }
}
