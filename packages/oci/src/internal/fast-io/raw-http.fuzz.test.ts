// rawRequest (raw-http.ts) against generated responses: every split of the response bytes into socket
// writes, every body framing (content-length, chunked, both, neither), folded and duplicate headers,
// huge heads and malformed responses. Properties: the request always settles (never hangs), failures
// are rejections with an Error (never an uncaught throw), memory stays bounded (the slab pool and a
// 64 KiB collected body), and a well-formed body reaches the sink or the collector byte for byte.
import { createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, RawUnsupported, type RawResponse } from './raw-http.js';

/** What the server sends for the next connection: the response's bytes, in these writes, then close. */
let script: { writes: Buffer[]; close: 'end' | 'destroy' | 'hold' } = { writes: [], close: 'end' };
const sockets = new Set<Socket>();
let server: Server;
let url: URL;

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client may hang up first: nothing to check on this side
    const { writes, close } = script;
    let seen = '';
    const onData = (b: Buffer): void => {
      seen += b.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const next = (i: number): void => {
        if (socket.destroyed) return;
        if (i < writes.length) {
          socket.write(writes[i] as Buffer, () => setImmediate(() => next(i + 1)));
          return;
        }
        if (close === 'end') socket.end();
        else if (close === 'destroy') socket.destroy();
        // 'hold': the server goes silent; the client's idle limit has to end the request
      };
      next(0);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/v2/a/blobs/x`);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const SLAB = 64 * 1024;
const timeouts = { connectMs: 2_000, headersMs: 2_000, idleMs: 300 };
const tls = { rejectUnauthorized: true, minVersion: 'TLSv1.2' as const };

/** Cuts `bytes` at the given fractions (deduplicated, sorted) into the writes the server makes. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

function chunkedEncoding(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const c = body.subarray(i, i + size);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

type Framing = 'length' | 'close' | 'chunked' | 'both' | 'duplicate-length' | 'folded';

const responseArb = fc.record({
  status: fc.constantFrom(200, 206, 404, 500),
  framing: fc.constantFrom<Framing>('length', 'close', 'chunked', 'both', 'duplicate-length', 'folded'),
  bodyLength: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3 * SLAB + 17 })),
  chunk: fc.integer({ min: 1, max: 70_000 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
  stream: fc.boolean(),
  slowSink: fc.boolean(),
  background: fc.boolean(),
});

interface Outcome {
  result?: RawResponse;
  error?: unknown;
  sunk: Buffer;
  slabBytes: Set<ArrayBufferLike>;
}

async function run(
  writes: Buffer[],
  close: 'end' | 'destroy' | 'hold',
  sinkOptions: { stream: boolean; slowSink: boolean; background: boolean },
): Promise<Outcome> {
  script = { writes, close };
  const sunk: Buffer[] = [];
  const slabs = [Buffer.allocUnsafeSlow(SLAB), Buffer.allocUnsafeSlow(SLAB)];
  const slabBytes = new Set<ArrayBufferLike>();
  const outcome: Outcome = { sunk: Buffer.alloc(0), slabBytes };
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, sinkOptions.slowSink ? 2 : 0));
  try {
    outcome.result = await rawRequest({
      url,
      headers: {},
      tls,
      timeouts,
      slabs: () => slabs,
      onHead: (h) =>
        sinkOptions.stream && h.status < 300
          ? async (bytes) => {
              slabBytes.add(bytes.buffer);
              sunk.push(Buffer.from(bytes));
              if (!sinkOptions.background) return pause();
              return { released: pause() };
            }
          : undefined,
    });
  } catch (err) {
    outcome.error = err;
  }
  outcome.sunk = Buffer.concat(sunk);
  return outcome;
}

describe('rawRequest, fuzzed', () => {
  it('well-formed responses: the exact body, or RawUnsupported for a chunked stream; bounded memory', async () => {
    await fc.assert(
      fc.asyncProperty(responseArb, async (r) => {
        const body = Buffer.alloc(r.bodyLength, 0);
        for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
        const lines = [`HTTP/1.1 ${r.status} X`, 'x-a: 1'];
        let payload: Buffer = body;
        if (r.framing === 'length') lines.push(`Content-Length: ${body.length}`);
        if (r.framing === 'duplicate-length')
          lines.push(`content-length: ${body.length}`, `content-length: ${body.length}`);
        if (r.framing === 'folded') lines.push('x-folded: one', ' two', `content-length: ${body.length}`);
        if (r.framing === 'chunked' || r.framing === 'both') {
          lines.push('Transfer-Encoding: chunked');
          if (r.framing === 'both') lines.push(`content-length: ${body.length}`);
          payload = chunkedEncoding(body, r.chunk);
        }
        const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
        const out = await run(split(bytes, r.cuts), 'end', r);
        const streaming = r.stream && r.status < 300;
        const chunked = r.framing === 'chunked' || r.framing === 'both';
        if (streaming && chunked) {
          expect(out.error).toBeInstanceOf(RawUnsupported);
          return;
        }
        expect(out.error).toBeUndefined();
        expect(out.result?.status).toBe(r.status);
        expect(out.result?.headers['x-a']).toBe('1');
        if (streaming) {
          // Read into the two given slabs only: no allocation per read, whatever the body's size.
          expect(out.sunk.equals(body)).toBe(true);
          expect(out.result?.streamed).toBe(body.length);
          expect(out.slabBytes.size).toBeLessThanOrEqual(2);
        } else {
          const collected = out.result?.body ?? Buffer.alloc(0);
          expect(collected.length).toBeLessThanOrEqual(64 * 1024);
          expect(collected.equals(payload.subarray(0, 64 * 1024))).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  }, 120_000);

  it('malformed, truncated, silent or oversized responses: always a rejection with an Error, never a hang', async () => {
    const garbage = fc.uint8Array({ minLength: 0, maxLength: 2000 }).map((a) => Buffer.from(a));
    const malformed = fc.oneof(
      garbage.map((g) => ({ bytes: g, close: 'end' as const })),
      garbage.map((g) => ({ bytes: Buffer.concat([Buffer.from('HTTP/1.1 2'), g]), close: 'destroy' as const })),
      // a head that never ends
      fc.integer({ min: 65 * 1024, max: 200 * 1024 }).map((n) => ({
        bytes: Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nx-huge: '), Buffer.alloc(n, 0x61)]),
        close: 'end' as const,
      })),
      // a body shorter than its content-length, cut or held open
      fc
        .record({
          missing: fc.integer({ min: 1, max: 100_000 }),
          sent: fc.integer({ min: 0, max: 100_000 }),
          close: fc.constantFrom('end' as const, 'destroy' as const, 'hold' as const),
        })
        .map(({ missing, sent, close }) => ({
          bytes: Buffer.concat([
            Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${sent + missing}\r\n\r\n`),
            Buffer.alloc(sent, 1),
          ]),
          close,
        })),
      // a head, then silence
      fc.constant({ bytes: Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n'), close: 'hold' as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        malformed,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.boolean(),
        async (m, cuts, stream) => {
          const out = await run(split(m.bytes, cuts), m.close, { stream, slowSink: false, background: false });
          if (out.error === undefined) {
            // Only a response that is complete by its own framing may succeed.
            expect(out.result?.status).toBeGreaterThanOrEqual(100);
            return;
          }
          expect(out.error).toBeInstanceOf(Error);
          expect(out.slabBytes.size).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});
