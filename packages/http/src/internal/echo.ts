/** Longest message the adapter writes in a `Status` body. */
export const MAX_MESSAGE_LENGTH = 8192;
/** Longest value (a name, a path, a header) echoed inside a message. */
export const MAX_ECHO_LENGTH = 128;

// C0 controls but LF (it separates validation issues, as upstream joins them), DEL, C1, and the
// two Unicode line terminators: anything a terminal or a log viewer would act on.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(ch: string): string {
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let at = max;
  const c = text.charCodeAt(at - 1);
  if (c >= 0xd800 && c <= 0xdbff) at--; // keep surrogate pairs whole
  return `${text.slice(0, at)}… (${text.length - at} more characters)`;
}

/** A message safe to write: control characters escaped, at most `MAX_MESSAGE_LENGTH` characters (plus a note). */
export function cleanMessage(message: string): string {
  return cap(message, MAX_MESSAGE_LENGTH).replace(CONTROL, escapeControl);
}

/** A caller-supplied value for a message: double-quoted, control characters and LF escaped, bounded. */
export function quote(value: string, max = MAX_ECHO_LENGTH): string {
  return `"${cap(value, max).replace(/\n/g, '\\n').replace(/"/g, '\\"').replace(CONTROL, escapeControl)}"`;
}
