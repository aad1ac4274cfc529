import { ValidationError } from '@imagebuild/core';

/** Largest page (upstream: `limit cannot exceed 1000`); also the default when `limit` is 0 or omitted. */
export const MAX_LIMIT = 1000;

interface Cursor {
  v: 1;
  /** `seq` of the last item of the previous page (items are ordered by descending seq). */
  after: number;
}

function bad(param: string, message: string): ValidationError {
  return new ValidationError([{ path: param, message }], { subject: param });
}

/** Validates `limit` (0..1000, 0 or undefined → 1000). */
export function normaliseLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return MAX_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw bad('limit', 'must be an integer between 0 and 1000');
  if (limit > MAX_LIMIT) throw bad('limit', 'cannot exceed 1000');
  return limit;
}

/** Encodes an opaque continue token. */
export function encodeContinue(afterSeq: number): string {
  const cursor: Cursor = { v: 1, after: afterSeq };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** Decodes a continue token; throws `ValidationError` naming `continue` when it is not one of ours. */
export function decodeContinue(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (c.v === 1 && typeof c.after === 'number' && Number.isInteger(c.after)) return c.after;
  } catch {
    // fall through
  }
  throw bad('continue', 'is not a continue token returned by a previous list call');
}

/** One page of `items` (already filtered, newest first) after the cursor. */
export function paginate<T extends { seq: number }>(
  items: readonly T[],
  limit: number | undefined,
  token: string | undefined,
): { page: T[]; continue: string | undefined; remainingItemCount: number | undefined } {
  const max = normaliseLimit(limit);
  const after = decodeContinue(token);
  const start = after === undefined ? 0 : items.findIndex((i) => i.seq < after);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + max);
  const remaining = items.length - from - page.length;
  if (remaining > 0)
    return { page, continue: encodeContinue(page[page.length - 1]!.seq), remainingItemCount: remaining };
  return { page, continue: undefined, remainingItemCount: undefined };
}
