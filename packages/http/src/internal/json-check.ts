import { quote } from './echo.js';

/** Deepest nesting of objects and arrays accepted in a request body. */
export const MAX_JSON_DEPTH = 256;

/** Why a JSON text was refused: what is wrong, where (line and column) — never the text itself. */
export class JsonCheckError extends Error {}

interface Frame {
  array: boolean;
  /** Path of this container, for messages. */
  path: string;
  /** An object's keys so far. */
  keys: Set<string>;
  /** An array's current index. */
  index: number;
  /** An object's current member's path. */
  member: string;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function childPath(parent: string, key: string): string {
  const seg = IDENT.test(key) && key.length <= 64 ? key : `[${quote(key, 64)}]`;
  return parent === '' ? seg : seg.startsWith('[') ? `${parent}${seg}` : `${parent}.${seg}`;
}

/**
 * Checks a JSON text in one pass with an explicit stack (no recursion): the grammar of RFC 8259,
 * nesting at most `MAX_JSON_DEPTH`, and no key twice in one object (`JSON.parse` would keep the
 * last silently — a `binding: early` overridden by a later `late`). Errors name the position and,
 * for duplicates, the key's path; they never quote the input, which may hold secrets.
 */
export function checkJson(text: string): void {
  const n = text.length;
  const stack: Frame[] = [];
  let i = 0;

  const fail = (what: string): never => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < i && k < n; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonCheckError(`${what} at line ${line}, column ${col}`);
  };
  const ws = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
    }
  };
  /** Scans a string at `i` (on its quote); returns its decoded value when `decode`. */
  const string = (decode: boolean): string => {
    const start = i++;
    let escaped = false;
    for (;;) {
      if (i >= n) return fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) return fail('control character in a string (escape it)');
      if (c === 92) {
        escaped = true;
        const e = text[i + 1];
        if (e === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return fail('bad \\u escape in a string');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail('bad escape in a string');
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    if (!decode) return '';
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) fail('expected a value');
    i += word.length;
  };

  ws();
  for (;;) {
    // A value is expected at `i`.
    const top = stack[stack.length - 1];
    const path = top ? (top.array ? `${top.path}[${top.index}]` : top.member) : '';
    const c = text[i];
    let opened = false;
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
      stack.push({ array: c === '[', path, keys: new Set(), index: 0, member: '' });
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else opened = true;
    } else if (c === '"') string(false);
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) fail(i >= n ? 'unexpected end of input' : 'expected a value');
      i = NUMBER.lastIndex;
    }
    if (!opened) {
      // After a value: close containers, or move to the next member.
      for (;;) {
        ws();
        const frame = stack[stack.length - 1];
        if (!frame) {
          if (i < n) fail('unexpected content after the JSON value');
          return;
        }
        const ch = text[i];
        if (ch === ',') {
          i++;
          ws();
          frame.index++;
          break;
        }
        if (ch === (frame.array ? ']' : '}')) {
          stack.pop();
          i++;
          continue;
        }
        fail(i >= n ? 'unexpected end of input' : frame.array ? "expected ',' or ']'" : "expected ',' or '}'");
      }
    }
    const frame = stack[stack.length - 1]!;
    if (frame.array) continue;
    // An object member: key, colon, then the value.
    if (text[i] !== '"') fail('expected a double-quoted key');
    const key = string(true);
    const keyPath = childPath(frame.path, key);
    if (frame.keys.has(key)) fail(`duplicate key ${keyPath}`);
    frame.keys.add(key);
    ws();
    if (text[i] !== ':') fail("expected ':' after a key");
    i++;
    ws();
    frame.member = keyPath;
  }
}
