import { formatPath } from './issues.js';

/** Where a JSON text repeats a key inside one object: the field path and the offset of the repeat. */
export interface DuplicateKey {
  /** Path segments from the top value (array indexes as numbers). */
  segments: PropertyKey[];
  /** `formatPath(segments)`. */
  path: string;
  /** Index in the text of the repeated key's opening quote. */
  offset: number;
}

type Frame =
  | { obj: true; keys: Set<string>; key: string | undefined; expectKey: boolean }
  | { obj: false; index: number };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Finds the first key that repeats within one object of a JSON text that `JSON.parse` accepted
 * (`JSON.parse` keeps the last value silently: `binding: early` would become `late`). One pass, no
 * recursion: linear in the text and safe at any nesting depth.
 */
export function findDuplicateJsonKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (WS.has(c)) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      if (top?.obj && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (top.keys.has(key)) {
          const segments = [...pathOf(stack), key];
          return { segments, path: formatPath(segments), offset: start };
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i++;
      continue;
    }
    if (c === 0x7b) stack.push({ obj: true, keys: new Set(), key: undefined, expectKey: true });
    else if (c === 0x5b) stack.push({ obj: false, index: 0 });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && top) {
      if (top.obj) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return undefined;
}

function pathOf(stack: readonly Frame[]): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (let d = 0; d < stack.length - 1; d++) {
    const f = stack[d]!;
    out.push(f.obj ? (f.key ?? '') : f.index);
  }
  return out;
}
