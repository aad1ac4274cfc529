import { LimitExceededError } from '@imagebuild/core/errors';

/** One server-sent event. */
export interface SseEvent {
  /** The event's `data:` lines, joined by `\n`. */
  data: string;
  /** The last `id:` seen so far in the stream (carried over to later events). */
  id: string | undefined;
  /** The `event:` type, when the event named one. */
  event: string | undefined;
}

/** Longest line, and longest event (its `data:` lines together), by default: 1 MiB of characters. */
export const DEFAULT_MAX_SSE_LINE = 1024 * 1024;

/**
 * Parses a `text/event-stream` body (WHATWG rules: `data:` lines joined by `\n`, `id:`, `event:`,
 * `:` comments, CR/LF/CRLF line ends, an event per blank line). A line or an event longer than
 * `maxLine` characters fails with LimitExceededError (`maxSseLineBytes`): a peer that never sends a
 * newline cannot grow memory. Each character is scanned once, however the body is chunked.
 */
export async function* parseSse(
  body: AsyncIterable<Uint8Array>,
  maxLine = DEFAULT_MAX_SSE_LINE,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let scanned = 0;
  let data: string[] = [];
  let dataSize = 0;
  let id: string | undefined;
  let event: string | undefined;
  let hasData = false;
  const tooLong = (what: string): LimitExceededError =>
    new LimitExceededError('maxSseLineBytes', maxLine, `log stream: ${what} without an end`);
  const line = (text: string): SseEvent | undefined => {
    if (text === '') {
      if (!hasData) {
        event = undefined;
        return undefined;
      }
      const out: SseEvent = { data: data.join('\n'), id, event };
      data = [];
      dataSize = 0;
      hasData = false;
      event = undefined;
      return out;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      dataSize += value.length + 1;
      if (dataSize > maxLine) throw tooLong('an event');
      data.push(value);
      hasData = true;
    } else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'event') event = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = scanned; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (c === 0x0d && i === buffer.length - 1) break;
      const ev = line(buffer.slice(start, i));
      if (c === 0x0d && buffer.charCodeAt(i + 1) === 0x0a) i++;
      start = i + 1;
      if (ev) yield ev;
    }
    buffer = buffer.slice(start);
    scanned = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    if (buffer.length > maxLine) throw tooLong('a line');
  }
  buffer += decoder.decode();
  if (buffer) {
    const ev = line(buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer);
    if (ev) yield ev;
  }
}
