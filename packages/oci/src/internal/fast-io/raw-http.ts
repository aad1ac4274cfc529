import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { DEFAULT_TIMEOUTS, RequestTimeoutError, type RegistryTimeouts, type TimeoutPhase } from '../timeouts.js';

/**
 * Bare HTTP/1.1 requests for large blob bodies (GET responses, PUT/PATCH uploads). The socket reads straight into a
 * small fixed pool of slabs (`onread`), so receiving a body allocates nothing
 * per read: no 64 KiB socket buffers for the GC to reclaim late, no parser
 * copies. Full slabs go to `sink` in order; the socket stops reading while
 * every slab is waiting for the sink (backpressure). One request per
 * connection (`connection: close`): a blob body is long enough that the
 * handshake does not matter.
 */

export interface RawHead {
  status: number;
  headers: Record<string, string | undefined>;
}

/**
 * Receives full slabs of body bytes, in order. The next slab goes to the sink
 * once the promise settles; this slab is reused then, or, when the sink
 * returns `released`, once that settles (the sink still uses the slab in the
 * background: a direct disk write, a hash on another thread). The request
 * settles only after every slab was released.
 */
export type SlabSink = (bytes: Buffer) => Promise<void | { released: Promise<void> }>;

export interface RawRequestOptions {
  method?: 'GET' | 'PUT' | 'PATCH' | undefined;
  url: URL;
  /** Writes the request body (after the head); the headers carry its exact content-length. */
  body?: ((socket: Socket) => Promise<void>) | undefined;
  headers: Record<string, string>;
  /** TLS options for https URLs (CA, verification). */
  tls: ConnectionOptions;
  signal?: AbortSignal | undefined;
  /** Stall limits (connect, response head, idle body); a stall fails the request with RequestTimeoutError. */
  timeouts?: RegistryTimeouts | undefined;
  /**
   * Called with the response head. Returns a sink to stream the body into,
   * or undefined to collect (at most 64 KiB of) the body instead.
   */
  onHead: (head: RawHead) => SlabSink | undefined;
  /** The slabs a streamed body is read into (default: 8 × 1 MiB, allocated when a sink is set); all are released again once the request settles. */
  slabs?: (() => Buffer[]) | undefined;
  /**
   * When the request fails mid-body, only a multiple of this many bytes of the
   * last, partly filled slab reaches the sink (the rest is fetched again), so
   * a resume starts at an aligned offset. Default 1.
   */
  resumeAlign?: number | undefined;
}

export interface RawResponse extends RawHead {
  /** The collected body when `onHead` returned no sink. */
  body: Buffer | undefined;
  /** Body bytes handed to the sink (all of them, when the request completed). */
  streamed: number;
}

const SLAB = 1024 * 1024;
const SLABS = 8;
const MAX_HEAD = 64 * 1024;
const defaultSlabs = (): Buffer[] => Array.from({ length: SLABS }, () => Buffer.allocUnsafeSlow(SLAB));
const MAX_COLLECT = 64 * 1024;

/** Thrown when a response cannot be handled here (e.g. a chunked body): the caller uses the general client. */
export class RawUnsupported extends Error {}

function parseHead(text: string): RawHead {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed HTTP status line ${JSON.stringify((lines[0] ?? '').slice(0, 100))}`);
  const headers: Record<string, string | undefined> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { status: Number(m[1]), headers };
}

function requestText(method: string, url: URL, headers: Record<string, string>): string {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)} contains a line break`);
    lines.push(`${k}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function rawRequest(o: RawRequestOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    // Until a sink is set, reads go to a small buffer (the head; a collected body).
    let free: Buffer[] = [];
    let cur: Buffer = Buffer.allocUnsafe(MAX_HEAD);
    let fill = 0;
    let unreleased = 0;
    let allReleased: (() => void) | undefined;
    let head: RawHead | undefined;
    let headBytes = Buffer.alloc(0);
    let sink: SlabSink | undefined;
    let collected: Buffer[] | undefined;
    let collectedLen = 0;
    let remaining = -1; // body bytes still expected (-1: until close)
    let streamed = 0;
    let paused = false;
    let failed: Error | undefined;
    let finished = false;
    let chain: Promise<void> = Promise.resolve();
    const limits = o.timeouts ?? DEFAULT_TIMEOUTS;
    let phase: TimeoutPhase = 'connect';
    // Socket idle timer (reset by every read and write); off while reading is paused for the sink.
    const arm = (p: TimeoutPhase): void => {
      phase = p;
      if (!finished) socket.setTimeout(limits[`${p}Ms`]);
    };

    const settle = (err?: Error): void => {
      if (finished) return;
      finished = true;
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // Settle after every queued slab reached the sink and was released, so that the caller's position covers them.
      const released = (): Promise<void> =>
        unreleased === 0
          ? Promise.resolve()
          : new Promise<void>((r) => {
              allReleased = r;
            });
      chain
        .then(released, (sinkErr: unknown) => released().then(() => Promise.reject(sinkErr as Error)))
        .then(
          () =>
            (failed ?? err)
              ? reject(failed ?? err)
              : resolve({ ...(head as RawHead), body: collected ? Buffer.concat(collected) : undefined, streamed }),
          (sinkErr: unknown) => reject(sinkErr),
        );
    };
    /** Hands the filled part of `cur` to the sink; `align`: on a failure, only a multiple of it. */
    const flush = (align = 1): void => {
      const n = fill - (fill % align);
      if (n === 0 || !sink) return;
      const slab = cur;
      const bytes = slab.subarray(0, n);
      const to = sink;
      streamed += n;
      unreleased++;
      const release = (): void => {
        free.push(slab);
        if (--unreleased === 0) allReleased?.();
        if (paused && !finished) {
          paused = false;
          arm('idle');
          socket.resume();
        }
      };
      chain = chain
        .then(() => to(bytes))
        .then(
          (r) => {
            if (!r) return release();
            r.released.then(release, (err: unknown) => {
              failed ??= err as Error;
              release();
              settle(failed);
            });
          },
          (err: unknown) => {
            release();
            throw err;
          },
        );
      chain.catch((err: unknown) => {
        failed ??= err as Error;
        settle(failed);
      });
      cur = free.pop() as Buffer; // never empty: reading pauses while the last free slab is in use
      fill = 0;
    };
    const onBody = (bytes: Buffer): boolean => {
      if (collected) {
        if (collectedLen < MAX_COLLECT) collected.push(Buffer.from(bytes.subarray(0, MAX_COLLECT - collectedLen)));
        collectedLen += bytes.length;
        if (remaining >= 0) remaining -= bytes.length;
        if (remaining === 0) settle();
        return true;
      }
      fill += bytes.length;
      if (remaining >= 0) remaining -= bytes.length;
      if (remaining === 0) {
        flush();
        settle();
        return true;
      }
      if (fill >= cur.length) {
        flush();
        if (free.length === 0) {
          paused = true;
          socket.setTimeout(0); // the sink is slow, not the registry
          return false;
        }
      }
      return true;
    };
    const onData = (n: number, buf: Buffer): boolean => {
      if (finished) return false;
      if (head) return onBody(buf.subarray(0, n));
      headBytes = Buffer.concat([headBytes, buf.subarray(0, n)]);
      const end = headBytes.indexOf('\r\n\r\n');
      if (end < 0) {
        if (headBytes.length > MAX_HEAD) settle(new Error('response head larger than 64 KiB'));
        return true;
      }
      try {
        head = parseHead(headBytes.subarray(0, end).toString('latin1'));
      } catch (err) {
        settle(err as Error);
        return false;
      }
      arm('idle');
      const chunked = /chunked/i.test(head.headers['transfer-encoding'] ?? '');
      const len = head.headers['content-length'];
      remaining = !chunked && len !== undefined && /^\d+$/.test(len) ? Number(len) : -1;
      try {
        sink = o.onHead(head);
      } catch (err) {
        settle(err as Error);
        return false;
      }
      if (sink && chunked) {
        // Streamed bodies are never chunked on the registries we know; the general client handles one.
        settle(new RawUnsupported('chunked response'));
        return false;
      }
      if (sink) {
        free = [...(o.slabs ?? defaultSlabs)()]; // a copy: the caller's pool is reused by its next request, whole
        const first = free.pop();
        if (!first || first.length < MAX_HEAD) {
          settle(new Error('raw request: slabs must be at least 64 KiB'));
          return false;
        }
        cur = first;
      }
      // A small collected body that is chunked is read until the server closes (`connection: close`), framing included.
      if (!sink) collected = [];
      const rest = headBytes.subarray(end + 4);
      headBytes = Buffer.alloc(0);
      fill = 0;
      if (remaining === 0 || (head.status >= 100 && head.status < 200) || head.status === 204 || head.status === 304) {
        settle();
        return false;
      }
      if (rest.length === 0) return true;
      if (sink) rest.copy(cur, 0); // the head came in through the head buffer: move the body's first bytes to the slab
      return onBody(sink ? cur.subarray(0, rest.length) : rest);
    };

    const onread = { buffer: (): Buffer => cur.subarray(fill), callback: onData };
    const port = Number(o.url.port) || (o.url.protocol === 'https:' ? 443 : 80);
    const host = o.url.hostname.replace(/^\[|\]$/g, '');
    const socket: Socket =
      o.url.protocol === 'https:'
        ? tlsConnect({ ...o.tls, host, port, ALPNProtocols: ['http/1.1'], onread } as ConnectionOptions) // @types/node lacks tls `onread` (supported since Node 12)
        : netConnect({ host, port, onread });
    socket.setNoDelay(true);
    arm('connect');
    // Until the head: a request without a body waits `headersMs`; one with a body is idle-limited while it is sent
    // and while the registry commits it.
    socket.once(o.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => arm(o.body ? 'idle' : 'headers'));
    socket.on('timeout', () => {
      if (phase === 'idle' && head && sink) flush(o.resumeAlign); // keep what arrived: a resume continues after it
      settle(new RequestTimeoutError(phase, limits[`${phase}Ms`]));
    });
    const onAbort = (): void => settle(o.signal?.reason instanceof Error ? o.signal.reason : new Error('aborted'));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // An error response may arrive while the body is still being sent, and the server then closes: keep the response.
    const answered = (): boolean => head !== undefined && collected !== undefined;
    socket.on('error', (err) => (answered() ? settle() : settle(err)));
    socket.on('end', () => {
      if (answered() || (head && remaining < 0)) {
        flush();
        settle();
      } else {
        flush(o.resumeAlign); // keep what arrived: a resume continues after it
        settle(
          new Error(
            head
              ? `connection closed with ${remaining} body bytes missing`
              : 'connection closed before the response head',
          ),
        );
      }
    });
    socket.on('close', () => settle(new Error('connection closed')));
    socket.write(requestText(o.method ?? 'GET', o.url, o.headers));
    o.body?.(socket).catch((err: unknown) => (answered() ? undefined : settle(err as Error)));
  });
}
