import { AbortError } from '@imagebuild/core';
import { ApiError, LimitExceededError } from '@imagebuild/core/errors';
import { LOG_STREAM_COMPLETE } from '@imagebuild/core/resources';
import { apiErrorFrom } from '../errors.js';
import { sleep } from '../internal/retry.js';
import { parseSse } from './sse.js';

/** Options of `followLogs`. */
export interface FollowLogOptions {
  /** Ends the iteration (AbortError). */
  signal?: AbortSignal;
  /** Reconnect attempts after a stream drops without the completion marker. Default 5. */
  maxReconnects?: number;
  /** Delay between reconnects. Default 1 s. */
  reconnectDelayMs?: number;
}

/** The client's limits that apply to a log (set by the client from its options). */
export interface LogLimits {
  maxResponseBytes: number;
  maxSseLineBytes: number;
}

/** Opens the log endpoint with `follow=true`, resuming after `lastEventId` when given. */
export type LogOpener = (
  lastEventId: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * Follows a log: yields each line once. While the resource is active the server streams SSE; when
 * it is not, it answers with the stored text and the iteration ends. A stream that drops before the
 * completion marker is reopened — with `Last-Event-ID` when the server sent `id:` fields (it then
 * sends only newer lines), otherwise by skipping as many lines as were already delivered.
 */
export async function* followLog(
  open: LogOpener,
  operation: string,
  options: FollowLogOptions,
  limits: LogLimits,
): AsyncGenerator<string, void, undefined> {
  const maxReconnects = options.maxReconnects ?? 5;
  const delay = options.reconnectDelayMs ?? 1000;
  let delivered = 0;
  let lastId: string | undefined;
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError(`${operation} aborted`, { cause: options.signal.reason });
    let dropped: unknown;
    try {
      const r = await open(lastId, options.signal);
      if (!r.response.ok) throw apiErrorFrom(r.response, r.error, operation);
      const type = r.response.headers.get('Content-Type') ?? '';
      const body = (r.data as ReadableStream<Uint8Array> | null | undefined) ?? r.response.body;
      if (!type.includes('text/event-stream')) {
        const text = body ? await readText(body, limits.maxResponseBytes, operation) : '';
        for (const l of lines(text).slice(lastId === undefined ? delivered : 0)) {
          delivered++;
          yield l;
        }
        return;
      }
      if (!body) return;
      let seen = 0;
      for await (const ev of parseSse(body as AsyncIterable<Uint8Array>, limits.maxSseLineBytes)) {
        if (ev.data === LOG_STREAM_COMPLETE) return;
        seen++;
        if (ev.id !== undefined) lastId = ev.id;
        else if (lastId === undefined && seen <= delivered) continue;
        failures = 0;
        delivered++;
        yield ev.data;
      }
      dropped = new Error('stream ended before the completion marker');
    } catch (err) {
      if (err instanceof ApiError && err.status !== 0 && err.status < 500 && err.status !== 429) throw err;
      if (err instanceof LimitExceededError) throw err;
      if (err instanceof AbortError || options.signal?.aborted) {
        throw err instanceof AbortError ? err : new AbortError(`${operation} aborted`, { cause: err });
      }
      dropped = err;
    }
    failures++;
    if (failures > maxReconnects) {
      throw new ApiError(0, `${operation}: stream dropped ${failures} times without the completion marker`, {
        cause: dropped,
      });
    }
    await sleep(delay, options.signal).catch((e: unknown) => {
      throw new AbortError(`${operation} aborted`, { cause: e });
    });
  }
}

/** A whole log as text, refusing more than `max` bytes. */
async function readText(body: ReadableStream<Uint8Array>, max: number, operation: string): Promise<string> {
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) {
      // releasing the connection; the limit error below is what the caller gets
      await body.cancel().catch(() => undefined);
      throw new LimitExceededError('maxResponseBytes', max, `${operation}: log too large`);
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
