// Embedding the builder in an existing node:http service: a few routes of your own API backed by
// ImageBuilder — create a build, list builds, stream its log, and server-sent events from watch().
//   npx tsx --conditions=@imagebuild/source examples/http-service.ts
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImageBuilder } from '@imagebuild/builder';
import { isSdkError } from '@imagebuild/core';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { harness, harnessRepositories, runId } from './lib/harness.js';
import { runIfMain } from './lib/run-if-main.js';

const STATUS: Record<string, number> = { VALIDATION: 400, NOT_FOUND: 404, CONFLICT: 409 };

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** Your service's request handler, with the builder mounted under /images. */
export function handler(builder: ImageBuilder) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean);
    try {
      if (req.method === 'GET' && url.pathname === '/healthz') return void res.end('ok');
      if (parts[0] !== 'images') return void res.writeHead(404).end();
      if (req.method === 'POST' && parts.length === 2 && parts[1] === 'builds') {
        const created = await builder.create(await body(req));
        return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(created));
      }
      if (req.method === 'GET' && parts.length === 2 && parts[1] === 'builds') {
        const list = await builder.list('ImageBuild', {
          labelSelector: url.searchParams.get('labelSelector') ?? undefined,
          fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
        });
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      }
      if (req.method === 'GET' && parts.length === 4 && parts[1] === 'builds' && parts[3] === 'log') {
        const ac = new AbortController();
        req.on('close', () => ac.abort());
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const from = Number(url.searchParams.get('from') ?? 0);
        for await (const line of builder.logs('ImageBuild', parts[2]!, {
          follow: url.searchParams.has('follow'),
          from,
          signal: ac.signal,
        }))
          res.write(`${line}\n`);
        return void res.end();
      }
      if (req.method === 'GET' && url.pathname === '/images/events') {
        const ac = new AbortController();
        req.on('close', () => ac.abort());
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        for await (const ev of builder.watch({ signal: ac.signal }))
          res.write(
            `event: ${ev.type}\ndata: ${JSON.stringify({ kind: ev.kind, name: ev.name, ...(ev.type === 'phase' ? { phase: ev.phase } : {}) })}\n\n`,
          );
        return void res.end();
      }
      res.writeHead(404).end();
    } catch (err) {
      if (ac_aborted(err)) return void res.end();
      const code = isSdkError(err) ? (STATUS[err.code] ?? 500) : 500;
      if (!res.headersSent) res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code, message: err instanceof Error ? err.message : String(err) }));
    }
  };
}
const ac_aborted = (err: unknown): boolean => isSdkError(err) && err.code === 'ABORTED';

/** Starts the service, creates one build through it, follows its log over HTTP, and stops. */
export async function main(): Promise<{ phase: string; logLines: number; events: string[] }> {
  const h = harness();
  const builder = new ImageBuilder({ runners: [new PodmanRunner({ engine: h.PODMAN_URL, name: 'podman' })] });
  for (const r of harnessRepositories(h)) await builder.apply(r);
  const server: Server = createServer(handler(builder));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`service listening on ${base}`);
  const events: string[] = [];
  const sse = await fetch(`${base}/images/events`);
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of sse.body!)
      for (const m of dec.decode(chunk as Uint8Array).matchAll(/"phase":"(\w+)"/g)) events.push(m[1]!);
  })().catch(() => undefined);
  try {
    const name = `http-demo-${runId()}`;
    const res = await fetch(`${base}/images/builds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'ImageBuild',
        metadata: { name, labels: { via: 'http' } },
        spec: {
          source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
          destination: { repository: 'dst', imageName: 'examples/http-service', imageTag: name },
          binding: { type: 'late' },
        },
      }),
    });
    console.log(`POST /images/builds → ${res.status}`);
    const log = await (await fetch(`${base}/images/builds/${name}/log?follow`)).text();
    const lines = log.trimEnd().split('\n');
    console.log(`followed ${lines.length} log lines; last: ${lines.at(-1)}`);
    const list = (await (await fetch(`${base}/images/builds?labelSelector=via%3Dhttp`)).json()) as {
      items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ reason: string }> } }>;
    };
    const mine = list.items.find((i) => i.metadata.name === name);
    const phase = mine?.status?.conditions?.[0]?.reason ?? 'unknown';
    console.log(`GET /images/builds?labelSelector=via=http → ${name} is ${phase}`);
    return { phase, logLines: lines.length, events };
  } finally {
    await builder.close();
    server.closeAllConnections();
    await reading;
    await new Promise((r) => server.close(r));
  }
}

runIfMain(import.meta.url, main);
