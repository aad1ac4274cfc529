import { ApiError, getReadyReason, isTerminal } from '@imagebuild/core';
import type { RequestContext } from '../internal/context.js';
import { boolParam } from '../internal/query.js';

export const LOG_STREAM_COMPLETE = '<<STREAM_COMPLETE>>';

const KIND = { imagebuilds: 'ImageBuild', imageexports: 'ImageExport' } as const;

/**
 * `GET …/log`. Without `follow`, or once the job has finished: `text/plain`, the whole log. With
 * `follow` while the job is not finished: SSE, one `data:` per line with `id: <line number>`, then
 * `data: <<STREAM_COMPLETE>>`. `Last-Event-ID: n` resumes after line n (no replay) — as SSE even
 * when the job has finished meanwhile, so a reconnecting client gets the rest and the marker.
 */
export async function handleLogs(ctx: RequestContext, keepAliveMs: number): Promise<void> {
  const { route, res, builder, url, headers, req } = ctx;
  const kind = KIND[route.collection as keyof typeof KIND];
  const name = route.name!;
  const follow = boolParam(url, 'follow');
  const resource = await builder.get(kind, name);
  const finished = isTerminal(getReadyReason(resource));
  const lastId = req.headers['last-event-id'];
  const resuming = typeof lastId === 'string' && lastId !== '';
  // A finished job's log is plain text — unless an SSE client is resuming: it gets the rest as SSE.
  if (!follow || (finished && !resuming)) {
    const lines: string[] = [];
    for await (const line of builder.logs(kind, name, { signal: ctx.signal })) lines.push(line);
    const text = lines.map((l) => `${l}\n`).join('');
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
    return;
  }
  let from = 0;
  if (resuming) {
    if (!/^\d+$/.test(lastId))
      throw new ApiError(400, 'Last-Event-ID must be the line number of the last line received');
    from = Number(lastId);
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  try {
    let id = from;
    for await (const line of builder.logs(kind, name, { follow: true, from, signal: ctx.signal })) {
      id++;
      // One event per line: a stray CR would end the SSE line early.
      if (!res.write(`id: ${id}\ndata: ${line.replace(/\r/g, '')}\n\n`)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (ctx.signal.aborted) return;
    }
    res.end(`data: ${LOG_STREAM_COMPLETE}\n\n`);
  } finally {
    clearInterval(keepAlive);
  }
}
