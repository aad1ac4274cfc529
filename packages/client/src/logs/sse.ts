/** One server-sent event. */
export interface SseEvent {
  data: string;
  id: string | undefined;
  event: string | undefined;
}

/**
 * Parses a `text/event-stream` body (WHATWG rules: `data:` lines joined by `\n`, `id:`, `event:`,
 * `:` comments, CR/LF/CRLF line ends, an event per blank line).
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  let event: string | undefined;
  let hasData = false;
  const line = (text: string): SseEvent | undefined => {
    if (text === '') {
      if (!hasData) {
        event = undefined;
        return undefined;
      }
      const out: SseEvent = { data: data.join('\n'), id, event };
      data = [];
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
      data.push(value);
      hasData = true;
    } else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'event') event = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (m[0] === '\r' && m.index === buffer.length - 1) break;
      const ev = line(buffer.slice(0, m.index));
      buffer = buffer.slice(m.index + m[0].length);
      if (ev) yield ev;
    }
  }
  buffer += decoder.decode();
  if (buffer) {
    const ev = line(buffer.replace(/\r$/, ''));
    if (ev) yield ev;
  }
}
