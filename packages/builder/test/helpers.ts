import type { ImageBuilder } from '../src/index.js';
import { reasonOf } from './fixtures.js';

/** Waits until the resource's Ready reason is one of `reasons` (polling; fails after `ms`). */
export async function waitForReason(
  b: ImageBuilder,
  kind: 'ImageBuild' | 'ImageExport',
  name: string,
  reasons: string[],
  ms = 10_000,
): Promise<string> {
  const until = Date.now() + ms;
  let last: string | undefined;
  while (Date.now() < until) {
    last = reasonOf(await b.get(kind, name));
    if (last && reasons.includes(last)) return last;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${kind} ${name} stayed ${last}, expected ${reasons.join('|')}`);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
