/** A byte range, inclusive. */
export interface ByteRange {
  /** First byte (0-based). */
  start: number;
  /** Last byte, included. */
  end: number;
}

/**
 * Parses a `Range` header against a size: a range, `'unsatisfiable'` (416), or `undefined` to
 * serve the whole file (no header, another unit, several ranges or bad syntax — RFC 9110 allows
 * ignoring those). Nothing is satisfiable in an empty file (RFC 9110 §14.1.2).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header || header.length > 64) return undefined;
  const m = /^bytes=([0-9]{0,15})-([0-9]{0,15})$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) return 'unsatisfiable';
  return { start, end };
}
