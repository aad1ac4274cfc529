/**
 * Issue 12 hostile suite: malicious servers against the client, each client in its own process so a
 * crash is a visible death and memory is measurable. Budgets per case: 1 s of CPU, 200 MiB of RSS
 * growth, a normal exit, no secret canary in any output (findings 2, 3, 4, 5, 6).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGzip, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../client/support/scripted-server.js';
import { CANARY, CPU_BUDGET_MS, RSS_BUDGET_MIB, runCase, type CaseResult } from './support/child.js';

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** Writes `chunk` until the peer goes away or `total` bytes went out, honouring back-pressure. */
function flood(res: ServerResponse, chunk: Buffer, total = Number.POSITIVE_INFINITY, end = false): void {
  let sent = 0;
  const pump = (): void => {
    while (!res.destroyed && sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (end && !res.destroyed) res.end();
  };
  pump();
}

function withinBudgets(r: CaseResult): void {
  expect(r.signal, r.output).toBeNull();
  expect(r.exitCode, r.output).toBe(0);
  expect(r.ok, r.output).toBe(true);
  expect(r.cpuMs).toBeLessThanOrEqual(CPU_BUDGET_MS);
  expect(r.rssGrowthMiB).toBeLessThanOrEqual(RSS_BUDGET_MIB);
  expect(r.output).not.toContain(CANARY);
}

async function hostile(
  caseName: string,
  script: (res: ServerResponse, req: IncomingMessage) => void,
  execArgv: string[] = [],
): Promise<CaseResult> {
  srv = await startScriptedServer((_req, res, raw) => script(res, raw));
  return runCase('client-cases.ts', caseName, { HOSTILE_URL: srv.url }, execArgv);
}

const BLOB = Buffer.alloc(32 * 1024 * 1024, 0x5a);
const BLOB_DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;
let bomb: Buffer;
beforeAll(async () => {
  // 1 GiB of zeros, gzipped as it is produced (≈1 MiB): the parent never holds the gigabyte.
  const gz = createGzip({ level: 1 });
  const parts: Buffer[] = [];
  gz.on('data', (d: Buffer) => parts.push(d));
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < 256; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  await new Promise((r) => gz.end(r));
  bomb = Buffer.concat(parts);
}, 60_000);

describe('malicious servers against the client (child processes)', () => {
  it('2 GiB of JSON: LimitExceededError at maxResponseBytes, memory bounded', async () => {
    const r = await hostile('json-flood', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":["');
      flood(res, Buffer.alloc(256 * 1024, 'x'), 2 * 1024 ** 3);
    });
    withinBudgets(r);
    expect(r.outcome).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes' });
  });

  it('a 500 with 2 GiB of text: ApiError 500 with a cut body', async () => {
    const r = await hostile('error-flood', (res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      flood(res, Buffer.alloc(256 * 1024, 'E\n'), 2 * 1024 ** 3);
    });
    withinBudgets(r);
    expect(r.outcome).toMatchObject({ name: 'ApiError', status: 500 });
  });

  it('a gzip bomb (1 GiB of zeros): stopped at the limit although identity was asked for', async () => {
    const r = await hostile('gzip-bomb', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(bomb);
    });
    withinBudgets(r);
    expect(r.outcome).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes' });
  });

  it('an SSE line that never ends: LimitExceededError at maxSseLineBytes', async () => {
    const r = await hostile('sse-no-newline', (res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: ');
      flood(res, Buffer.alloc(64 * 1024, 'a'), 1024 ** 3);
    });
    withinBudgets(r);
    expect(r.outcome).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxSseLineBytes' });
  });

  it.each(['slow-reader-close', 'slow-reader-close-gzip', 'slow-reader-close-file'])(
    '%s: a large body with Connection: close and a slow reader completes (no process death)',
    async (name) => {
      const gzip = name.endsWith('gzip');
      const body = gzip ? gzipSync(BLOB, { level: 1 }) : BLOB;
      const r = await hostile(name, (res) => {
        res.writeHead(200, {
          Connection: 'close',
          'Content-Length': String(body.length),
          'Docker-Content-Digest': BLOB_DIGEST,
          ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
        });
        flood(res, body, body.length, true);
      });
      withinBudgets(r);
      expect(r.outcome).toEqual({ bytes: BLOB.length, digest: BLOB_DIGEST });
    },
  );

  it.each([
    ['gc-abort-follow', 'text/event-stream', 'data: line\n\n'],
    ['gc-abort-download', 'application/octet-stream', 'x'.repeat(16 * 1024)],
  ])('%s: an abort after a garbage collection still ends the stream', async (name, type, piece) => {
    const r = await hostile(
      name,
      (res) => {
        res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(1024 ** 3) });
        const timer = setInterval(() => res.write(piece), 20);
        res.on('close', () => clearInterval(timer));
      },
      ['--expose-gc'],
    );
    withinBudgets(r);
    expect(r.outcome).toMatchObject({ code: 'ABORTED' });
    expect(r.outcome.afterAbortMs as number).toBeLessThan(5000);
  });
});
