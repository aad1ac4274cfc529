import type { IncomingMessage } from 'node:http';
import { ApiError } from '@imagebuild/core/errors';
import { getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import { LOG_STREAM_COMPLETE } from '@imagebuild/core/resources';
import { BatchWriter } from '../internal/batch-writer.js';
import type { HttpExchange } from '../internal/context.js';
import { boolParam, intParam } from '../internal/query.js';

/** Most lines one plain-text `GET …/log` returns (`tail`, `limit`); page with `from` for more. */
export const MAX_LOG_PAGE_LINES = 10_000;
/** Response header of a plain-text log: the window's first line (0-based). */
export const LOG_FROM_HEADER = 'X-Log-From';
/** Response header of a plain-text log: the window's end (exclusive); the next page's `from`. */
export const LOG_TO_HEADER = 'X-Log-To';
/** Response header of a plain-text log: the log's line count when the window was read. */
export const LOG_TOTAL_HEADER = 'X-Log-Total';

const KIND = { imagebuilds: 'ImageBuild', imageexports: 'ImageExport' } as const;

/**
 * Whether the client asked for the resumable SSE framing (`id:` per line, keep-alive comments):
 * it accepts `text/event-stream` explicitly, as EventSource and our client do, or it is resuming
 * with `Last-Event-ID`. Upstream's `flightctl` sends no `Accept` and prints every line that is not
 * `data:` verbatim, so it gets upstream's framing.
 */
export function wantsResumable(req: IncomingMessage): boolean {
  const last = req.headers['last-event-id'];
  if (typeof last === 'string' && last !== '') return true;
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'text/event-stream');
}

/**
 * `GET …/log`. Without `follow`, or once the job has finished: `text/plain`, a window of the log —
 * the last 500 lines (upstream's stored tail), `tail=n` lines, or `limit` lines `from` a line
 * (0-based; page on with `from` = the previous `X-Log-To`), streamed with backpressure. With
 * `follow` while the job is not finished: SSE, as upstream frames it (`data: <line>` per non-empty
 * line, `data: <<STREAM_COMPLETE>>` at the end, nothing else) unless the client asks for the
 * resumable framing (see `wantsResumable`): then `id: <line number>` on every line and keep-alive
 * comments, and `Last-Event-ID: n` resumes after line n — as SSE even when the job has finished.
 */
export async function handleLogs(ctx: HttpExchange, keepAliveMs: number): Promise<void> {
  const { route, builder, url, req } = ctx;
  const kind = KIND[route.collection as keyof typeof KIND];
  const name = route.name!;
  const follow = boolParam(url, 'follow');
  const resource = await builder.get(kind, name);
  const finished = isTerminal(getReadyReason(resource));
  const lastId = req.headers['last-event-id'];
  const resuming = typeof lastId === 'string' && lastId !== '';
  if (!follow || (finished && !resuming)) return sendWindow(ctx, kind, name);
  let from = 0;
  if (resuming) {
    if (!/^[0-9]{1,15}$/.test(lastId))
      throw new ApiError(400, 'Last-Event-ID must be the line number of the last line received');
    from = Number(lastId);
  }
  return streamEvents(ctx, kind, name, from, wantsResumable(req) ? keepAliveMs : undefined);
}

async function sendWindow(ctx: HttpExchange, kind: 'ImageBuild' | 'ImageExport', name: string): Promise<void> {
  const { res, url, headers, signal } = ctx;
  const from = intParam(url, 'from', Number.MAX_SAFE_INTEGER);
  const tail = intParam(url, 'tail', MAX_LOG_PAGE_LINES);
  const limit = intParam(url, 'limit', MAX_LOG_PAGE_LINES);
  if (from !== undefined && tail !== undefined)
    throw new ApiError(400, 'query parameters from and tail exclude each other');
  const window = await ctx.builder.readLog(
    kind,
    name,
    from === undefined ? { tail, limit, signal } : { from, limit: limit ?? MAX_LOG_PAGE_LINES, signal },
  );
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    [LOG_FROM_HEADER]: String(window.from),
    [LOG_TO_HEADER]: String(window.to),
    [LOG_TOTAL_HEADER]: String(window.total),
  });
  const out = new BatchWriter(res);
  try {
    for await (const line of window.lines) {
      await out.write(`${line}\n`);
      if (signal.aborted) return out.discard();
    }
    out.end();
  } catch (err) {
    out.discard();
    throw err;
  }
}

async function streamEvents(
  ctx: HttpExchange,
  kind: 'ImageBuild' | 'ImageExport',
  name: string,
  from: number,
  keepAliveMs: number | undefined,
): Promise<void> {
  const { res, headers, signal } = ctx;
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const out = new BatchWriter(res);
  const resumable = keepAliveMs !== undefined;
  // A comment only while the client keeps up: it must not queue behind unread lines.
  const keepAlive = resumable
    ? setInterval(() => {
        if (out.idle) void out.write(': keep-alive\n\n');
      }, keepAliveMs)
    : undefined;
  try {
    let id = from;
    for await (const line of ctx.builder.logs(kind, name, { follow: true, from, signal })) {
      id++;
      // One event per line: a stray CR would end the SSE line early.
      const data = line.replace(/\r/g, '');
      if (resumable) await out.write(`id: ${id}\ndata: ${data}\n\n`);
      // Upstream sends non-empty lines only (its CLI would print nothing for an empty one anyway).
      else if (data !== '') await out.write(`data: ${data}\n\n`);
      if (signal.aborted) return out.discard();
    }
    out.end(`data: ${LOG_STREAM_COMPLETE}\n\n`);
  } catch (err) {
    out.discard();
    throw err;
  } finally {
    clearInterval(keepAlive);
  }
}
