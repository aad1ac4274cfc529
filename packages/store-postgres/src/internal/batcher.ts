import pg from 'pg';

/** What a batch statement says about one item: its answer, or the error that item alone gets. */
export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * A batch statement's rows in the order of its items: the row whose `ord` (1-based, from `unnest …
 * WITH ORDINALITY`) is each item's, or undefined for an item the statement returned no row for.
 */
export function rowsByItem<R extends { ord: string }>(items: number, rows: readonly R[]): (R | undefined)[] {
  const out = new Array<R | undefined>(items).fill(undefined);
  for (const row of rows) out[Number(row.ord) - 1] = row;
  return out;
}

interface Waiting<I, O> {
  item: I;
  key: string;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Items per statement at most (bounds a statement's parameters). */
  maxItems: number;
  /** Statements of this batcher on their way at once. */
  maxInFlight: number;
}

/**
 * Group commit: calls made while this batcher's statements are on their way are sent together as
 * one statement when one comes back. One call alone goes at once (after the current tick, so calls
 * of one tick share a statement), so an idle store answers as fast as before, and a busy one sends
 * fewer, larger statements: one round trip, one transaction and one notification for many jobs.
 * Two calls with the same key never share a statement (the second goes in the next one): a row is
 * written once per statement.
 */
export class Batcher<I, O> {
  #queue: Waiting<I, O>[] = [];
  readonly #run: (items: readonly I[]) => Promise<readonly Outcome<O>[]>;
  readonly #options: BatcherOptions;
  #inFlight = 0;
  #scheduled = false;

  constructor(run: (items: readonly I[]) => Promise<readonly Outcome<O>[]>, options: BatcherOptions) {
    this.#run = run;
    this.#options = options;
  }

  /** Queues one item; resolves (or rejects) with its own outcome. */
  submit(item: I, key: string): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, key, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  #send(): void {
    if (this.#inFlight >= this.#options.maxInFlight || this.#queue.length === 0) return;
    const batch: Waiting<I, O>[] = [];
    const rest: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    for (const w of this.#queue) {
      if (batch.length < this.#options.maxItems && !keys.has(w.key)) {
        keys.add(w.key);
        batch.push(w);
      } else {
        rest.push(w);
      }
    }
    this.#queue = rest;
    this.#inFlight++;
    void this.#deliver(batch).finally(() => {
      this.#inFlight--;
      this.#schedule();
    });
    this.#schedule();
  }

  /**
   * Runs one statement for the batch and settles each call with its own outcome. When the server
   * refuses the statement as a whole (it did nothing) and it carried several calls, each is run
   * again alone: one call's bad input fails that call only, not the other jobs that shared its
   * statement.
   */
  async #deliver(batch: readonly Waiting<I, O>[]): Promise<void> {
    let outcomes: readonly Outcome<O>[];
    try {
      outcomes = await this.#run(batch.map((w) => w.item));
    } catch (error) {
      // only a statement the server refused surely did nothing: a lost connection may have committed
      if (batch.length === 1 || !(error instanceof pg.DatabaseError)) {
        for (const w of batch) w.reject(error);
        return;
      }
      for (const w of batch) await this.#deliver([w]);
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (!o) w.reject(new Error('a batch statement gave no answer for an item'));
      else if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    });
  }
}
