import type { Readable } from 'node:stream';

/** One object of an engine's NDJSON progress stream (build, push, pull). */
export interface EngineMessage {
  /** Build output text (may hold several lines, or part of one). */
  stream?: string;
  /** Pull/push status, e.g. `Pushing`, `Pushed`. */
  status?: string;
  /** Layer the status is about; `moby.buildkit.trace` / `moby.image.id` for BuildKit's aux messages. */
  id?: string;
  /** Progress bar text. */
  progress?: string;
  /** Progress in bytes of the layer `id`. */
  progressDetail?: { current?: number; total?: number };
  /** In-band error text (the HTTP status was 200). */
  error?: string;
  /** In-band error, structured; preferred over `error`. */
  errorDetail?: { message?: string; code?: number };
  /** Extra data: the image id (`ID`), the pushed digest (`Digest`), a BuildKit trace (base64). */
  aux?: unknown;
  /** Free text some messages carry (not interpreted here). */
  message?: string;
}

/**
 * Reads an engine's JSON progress stream: NDJSON, or JSON objects back to back (podman), split
 * across arbitrary chunk boundaries. A line that is not JSON is passed on as `{ stream: line }`.
 * Ends when the response ends; throws when the connection breaks.
 */
export async function* jsonMessages(stream: Readable): AsyncGenerator<EngineMessage> {
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let start = 0;
    for (;;) {
      const end = nextObjectEnd(buf, start);
      if (end < 0) break;
      const text = buf.slice(start, end).trim();
      start = end;
      if (text) yield parse(text);
    }
    buf = buf.slice(start);
  }
  const rest = buf.trim();
  if (rest) yield parse(rest);
}

function parse(text: string): EngineMessage {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as EngineMessage;
    return { stream: text };
  } catch {
    // a line that is not JSON is build output, passed on as text
    return { stream: text };
  }
}

/**
 * Index just past the next complete top-level JSON value (or newline-terminated non-JSON line)
 * starting at `from`, or -1 when incomplete.
 */
function nextObjectEnd(buf: string, from: number): number {
  let i = from;
  while (i < buf.length && /\s/.test(buf[i]!)) i++;
  if (i >= buf.length) return -1;
  if (buf[i] !== '{') {
    const nl = buf.indexOf('\n', i);
    return nl < 0 ? -1 : nl + 1;
  }
  let depth = 0;
  let inString = false;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/** The in-band error of a message (`errorDetail.message`, else `error`), if any. An HTTP 200 is not success. */
export function inBandError(msg: EngineMessage): string | undefined {
  const detail = msg.errorDetail?.message;
  if (detail) return detail;
  if (typeof msg.error === 'string' && msg.error) return msg.error;
  return undefined;
}
