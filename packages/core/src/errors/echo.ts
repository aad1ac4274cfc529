/**
 * The one way a value from outside (a name, a header, a server's message) enters an error or log
 * message: control characters, line/paragraph separators and bidi overrides are escaped (no CR/LF
 * forged log lines, no ESC terminal sequences), and the text is cut to a bound.
 */

/** Longest echoed value by default (characters of the input). */
export const ECHO_MAX = 64;

function escapeChar(code: number): string {
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function unsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/**
 * Escapes control characters in `text` and keeps at most `max` input characters, saying how many
 * were left out. Linear in `max`, whatever the length of `text`.
 */
export function escapeText(text: string, max = ECHO_MAX): string {
  const end = Math.min(text.length, max);
  let out = '';
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    // A lone surrogate cut in half by the bound is escaped rather than left dangling.
    if (unsafe(code) || (code >= 0xd800 && code <= 0xdfff && !pairAt(text, i, end))) out += escapeChar(code);
    else if (code >= 0xd800 && code <= 0xdbff) {
      out += text.slice(i, i + 2);
      i++;
    } else out += text[i];
  }
  return text.length > end ? `${out}…(+${text.length - end} chars)` : out;
}

function pairAt(text: string, i: number, end: number): boolean {
  const code = text.charCodeAt(i);
  if (code > 0xdbff || i + 1 >= end) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** `escapeText` in double quotes (any value: non-strings are described by type, never dumped). */
export function echo(value: unknown, max = ECHO_MAX): string {
  if (typeof value === 'string') return `"${escapeText(value, max).replace(/"/g, '\\"')}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}
