interface Page<T> {
  items: T[];
  metadata: { continue?: string | undefined; remainingItemCount?: number | undefined };
}

/**
 * A list that pages on demand: `for await (const item of list)` walks every item across pages,
 * `pages()` yields whole pages (with `metadata.continue`), `toArray()` collects everything.
 */
export class Paged<T, P extends Page<T>> implements AsyncIterable<T> {
  readonly #fetchPage: (continueToken: string | undefined) => Promise<P>;
  readonly #start: string | undefined;

  constructor(fetchPage: (continueToken: string | undefined) => Promise<P>, start?: string) {
    this.#fetchPage = fetchPage;
    this.#start = start;
  }

  /** Yields each page in turn, following `metadata.continue` until the server sends none. */
  async *pages(): AsyncGenerator<P, void, undefined> {
    let token = this.#start;
    do {
      const page = await this.#fetchPage(token);
      yield page;
      token = page.metadata.continue || undefined;
    } while (token);
  }

  /** Yields every item of every page, fetching pages as the iteration reaches them. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Fetches all pages and returns their items in order. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}
