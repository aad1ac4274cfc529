/** Following logs: SSE parsing, resume with Last-Event-ID, resume by counting, plain-text answers, marker. */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '@imagebuild/core/errors';
import { ImageBuilderClient, LOG_STREAM_COMPLETE, parseSse } from '@imagebuild/client';
import { json, startScriptedServer, status, type ScriptedServer } from './support/scripted-server.js';
import type { ServerResponse } from 'node:http';

let srv: ScriptedServer | undefined;
let client: ImageBuilderClient | undefined;
afterEach(async () => {
  await client?.close();
  await srv?.close();
  client = srv = undefined;
});

const sse = (res: ServerResponse): void => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
};
const collect = async (it: AsyncIterable<string>): Promise<string[]> => {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
};

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

describe('parseSse', () => {
  it('joins data lines, keeps ids, skips comments and handles CRLF split across chunks', async () => {
    const events = [];
    for await (const e of parseSse(
      chunks('id: 1\r', '\ndata: a\r\n\r\n: keep-alive\n\n', 'data: b\ndata: c\n\nevent: x\ndata:d\n\n'),
    ))
      events.push(e);
    expect(events).toEqual([
      { data: 'a', id: '1', event: undefined },
      { data: 'b\nc', id: '1', event: undefined },
      { data: 'd', id: '1', event: 'x' },
    ]);
  });
});

describe('followLogs', () => {
  it('resumes with Last-Event-ID after a drop, without repeating lines', async () => {
    srv = await startScriptedServer((req, res) => {
      sse(res);
      if (req.headers['last-event-id'] === undefined) {
        res.write('id: 1\ndata: one\n\nid: 2\ndata: two\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        const from = Number(req.headers['last-event-id']);
        const lines = ['one', 'two', 'three', 'four'].slice(from);
        res.end(
          `${lines.map((l, i) => `id: ${from + i + 1}\ndata: ${l}\n\n`).join('')}data: ${LOG_STREAM_COMPLETE}\n\n`,
        );
      }
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    expect(await collect(client.imageBuilds.followLogs('b', { reconnectDelayMs: 1 }))).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    expect(srv.seen.map((s) => s.headers['last-event-id'])).toEqual([undefined, '2']);
    expect(srv.seen[0]!.url.searchParams.get('follow')).toBe('true');
  });

  it('without ids (upstream), skips the lines it already delivered when the server replays', async () => {
    let n = 0;
    srv = await startScriptedServer((_req, res) => {
      sse(res);
      if (++n === 1) {
        res.write('data: one\n\ndata: two\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(`data: one\n\ndata: two\n\ndata: three\n\ndata: ${LOG_STREAM_COMPLETE}\n\n`);
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    expect(await collect(client.imageExports.followLogs('e', { reconnectDelayMs: 1 }))).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('ends with the stored text when the resource is no longer active (text/plain answer)', async () => {
    let n = 0;
    srv = await startScriptedServer((_req, res) => {
      if (++n === 1) {
        sse(res);
        res.write('data: one\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('one\ntwo\n');
      }
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    expect(await collect(client.imageBuilds.followLogs('b', { reconnectDelayMs: 1 }))).toEqual(['one', 'two']);
  });

  it('fails after maxReconnects when the marker never comes', async () => {
    srv = await startScriptedServer((_req, res) => {
      sse(res);
      res.end('data: again\n\n');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const err = await collect(client.imageBuilds.followLogs('b', { maxReconnects: 2, reconnectDelayMs: 1 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/without the completion marker/);
    expect(srv.seen).toHaveLength(3);
  });

  it('surfaces a 404 at once (no reconnects)', async () => {
    srv = await startScriptedServer((_req, res) => json(res, 404, status(404, 'ImageBuild b not found')));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const err = (await collect(client.imageBuilds.followLogs('b')).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(404);
    expect(srv.seen).toHaveLength(1);
  });

  it('logs() returns the snapshot text', async () => {
    srv = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('a\nb\n');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    expect(await client.imageBuilds.logs('b')).toBe('a\nb\n');
    expect(srv.seen[0]!.url.searchParams.has('follow')).toBe(false);
  });
});
