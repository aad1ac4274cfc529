import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { SlabStream, type SlabSink } from './slab-stream.js';
import type { RegistryTimeouts } from '../../client-options.js';
import { DEFAULT_TIMEOUTS, RequestTimeoutError, type TimeoutPhase } from '../timeouts.js';

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

export type { SlabSink } from './slab-stream.js';

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

/** Sends one request over a fresh connection and reads its response (see `RawExchange`). */
export function rawRequest(o: RawRequestOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    new RawExchange(o, resolve, reject).start();
  });
}

/**
 * One request and its response, as a state machine that reads top to bottom:
 *
 * - `head`: bytes accumulate until the blank line (at most 64 KiB); the head is parsed, `onHead` says
 *   whether the body streams to a sink (`SlabStream`) or is collected (at most 64 KiB kept);
 * - `body`: bytes go to the sink or the collector until the content-length is reached or, without
 *   one, until the server closes;
 * - `settled`: the socket is gone; the promise settles once every slab the sink holds is released.
 *
 * Socket events (data, timeout, end, error, close, abort) only ever move the machine forward.
 */
class RawExchange {
  readonly #o: RawRequestOptions;
  readonly #resolve: (r: RawResponse) => void;
  readonly #reject: (e: Error) => void;
  readonly #limits: RegistryTimeouts;
  #state: 'head' | 'body' | 'settled' = 'head';
  #socket!: Socket;
  /** What the socket reads into until a sink takes over: the head, and a collected body. */
  readonly #small = Buffer.allocUnsafe(MAX_HEAD);
  #headBytes = Buffer.alloc(0);
  #head: RawHead | undefined;
  /** The body's destination: a sink's slabs, or the collector (when `onHead` returned no sink). */
  #stream: SlabStream | undefined;
  #collected: Buffer[] | undefined;
  #collectedLength = 0;
  /** Body bytes still expected (-1: until the server closes). */
  #remaining = -1;
  #paused = false;
  #phase: TimeoutPhase = 'connect';
  /** The first failure of the sink: wins over the request's own outcome. */
  #failed: Error | undefined;

  constructor(o: RawRequestOptions, resolve: (r: RawResponse) => void, reject: (e: Error) => void) {
    this.#o = o;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#limits = o.timeouts ?? DEFAULT_TIMEOUTS;
  }

  start(): void {
    const o = this.#o;
    const onread = {
      buffer: (): Buffer => (this.#stream ? this.#stream.space() : this.#small),
      callback: (n: number, buf: Buffer): boolean => this.#onData(n, buf),
    };
    const port = Number(o.url.port) || (o.url.protocol === 'https:' ? 443 : 80);
    const host = o.url.hostname.replace(/^\[|\]$/g, '');
    const socket: Socket =
      o.url.protocol === 'https:'
        ? tlsConnect({ ...o.tls, host, port, ALPNProtocols: ['http/1.1'], onread } as ConnectionOptions) // @types/node lacks tls `onread` (supported since Node 12)
        : netConnect({ host, port, onread });
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#arm('connect');
    // Until the head: a request without a body waits `headersMs`; one with a body is idle-limited while it is sent
    // and while the registry commits it.
    socket.once(o.url.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
      this.#arm(o.body ? 'idle' : 'headers'),
    );
    socket.on('timeout', () => this.#onTimeout());
    socket.on('error', (err) => (this.#answered() ? this.#settle() : this.#settle(err)));
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#settle(new Error('connection closed')));
    if (o.signal?.aborted) {
      this.#onAbort();
      return;
    }
    o.signal?.addEventListener('abort', this.#onAbort, { once: true });
    socket.write(requestText(o.method ?? 'GET', o.url, o.headers));
    o.body?.(socket).catch((err: unknown) => (this.#answered() ? undefined : this.#settle(err as Error)));
  }

  /** A read of `n` bytes (into `onread.buffer()`); false pauses reading. */
  #onData(n: number, buf: Buffer): boolean {
    if (this.#state === 'head') return this.#onHeadBytes(buf.subarray(0, n));
    if (this.#state === 'body') return this.#onBodyBytes(buf.subarray(0, n));
    return false;
  }

  // ── head ──────────────────────────────────────────────────────────────────────────────────────

  #onHeadBytes(bytes: Buffer): boolean {
    this.#headBytes = Buffer.concat([this.#headBytes, bytes]);
    const end = this.#headBytes.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.#headBytes.length > MAX_HEAD) this.#settle(new Error('response head larger than 64 KiB'));
      return true;
    }
    const rest = this.#headBytes.subarray(end + 4);
    let head: RawHead;
    let sink: SlabSink | undefined;
    try {
      head = parseHead(this.#headBytes.subarray(0, end).toString('latin1'));
      this.#head = head;
      this.#arm('idle');
      sink = this.#o.onHead(head);
    } catch (err) {
      this.#settle(err as Error);
      return false;
    }
    this.#headBytes = Buffer.alloc(0);
    const chunked = /chunked/i.test(head.headers['transfer-encoding'] ?? '');
    const length = head.headers['content-length'];
    this.#remaining = !chunked && length !== undefined && /^\d+$/.test(length) ? Number(length) : -1;
    if (sink && chunked) {
      // Streamed bodies are never chunked on the registries we know; the general client handles one.
      this.#settle(new RawUnsupported('chunked response'));
      return false;
    }
    if (sink) {
      const slabs = (this.#o.slabs ?? defaultSlabs)();
      if (slabs.length === 0 || slabs.some((s) => s.length < MAX_HEAD)) {
        this.#settle(new Error('raw request: slabs must be at least 64 KiB'));
        return false;
      }
      this.#stream = new SlabStream(
        slabs,
        sink,
        (err) => this.#onSinkFailure(err),
        () => this.#onSlabFreed(),
      );
    } else {
      // A small collected body that is chunked is read until the server closes (`connection: close`), framing included.
      this.#collected = [];
    }
    this.#state = 'body';
    if (
      this.#remaining === 0 ||
      (head.status >= 100 && head.status < 200) ||
      head.status === 204 ||
      head.status === 304
    ) {
      this.#settle();
      return false;
    }
    return rest.length === 0 || this.#onBodyBytes(rest, true);
  }

  // ── body ──────────────────────────────────────────────────────────────────────────────────────

  /** Body bytes: read into the current slab already, or (`copy`) arrived with the head and copied in. */
  #onBodyBytes(bytes: Buffer, copy = false): boolean {
    if (!this.#stream) return this.#collect(bytes);
    let more = true;
    for (let at = 0; at < bytes.length && this.#state === 'body'; ) {
      const n = copy ? bytes.copy(this.#stream.space(), 0, at) : bytes.length;
      at += n;
      more = this.#stream.received(n);
      if (this.#remaining >= 0) this.#remaining -= n;
      if (this.#remaining === 0) {
        this.#stream.flush();
        this.#settle();
        return true;
      }
      if (!more && at < bytes.length) {
        this.#settle(new Error('response head and first body bytes larger than the slabs'));
        return false;
      }
    }
    if (!more) {
      this.#paused = true;
      this.#socket.setTimeout(0); // the sink is slow, not the registry
    }
    return more;
  }

  #collect(bytes: Buffer): boolean {
    const collected = this.#collected as Buffer[];
    if (this.#collectedLength < MAX_COLLECT)
      collected.push(Buffer.from(bytes.subarray(0, MAX_COLLECT - this.#collectedLength)));
    this.#collectedLength += bytes.length;
    if (this.#remaining >= 0) this.#remaining -= bytes.length;
    if (this.#remaining === 0) this.#settle();
    return true;
  }

  #onSlabFreed(): void {
    if (!this.#paused || this.#state === 'settled') return;
    this.#paused = false;
    this.#arm('idle');
    this.#socket.resume();
  }

  #onSinkFailure(err: Error): void {
    this.#failed ??= err;
    this.#settle(this.#failed);
  }

  // ── events that end the exchange ──────────────────────────────────────────────────────────────

  /** An error response arrived (maybe while the body was still being sent): the server may close now. */
  #answered(): boolean {
    return this.#head !== undefined && this.#collected !== undefined;
  }

  #onTimeout(): void {
    if (this.#phase === 'idle' && this.#stream) this.#stream.flush(this.#o.resumeAlign); // a resume continues after it
    this.#settle(new RequestTimeoutError(this.#phase, this.#limits[`${this.#phase}Ms`]));
  }

  #onEnd(): void {
    if (this.#answered() || (this.#head && this.#remaining < 0)) {
      this.#stream?.flush();
      this.#settle();
      return;
    }
    this.#stream?.flush(this.#o.resumeAlign); // keep what arrived: a resume continues after it
    this.#settle(
      new Error(
        this.#head
          ? `connection closed with ${this.#remaining} body bytes missing`
          : 'connection closed before the response head',
      ),
    );
  }

  readonly #onAbort = (): void => {
    const reason: unknown = this.#o.signal?.reason;
    this.#settle(reason instanceof Error ? reason : new Error('aborted'));
  };

  // ── settled ───────────────────────────────────────────────────────────────────────────────────

  /** Ends the exchange once; the promise settles after every slab reached the sink and was released. */
  #settle(err?: Error): void {
    if (this.#state === 'settled') return;
    this.#state = 'settled';
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.#socket?.destroy();
    const drained = this.#stream ? this.#stream.drained() : Promise.resolve();
    drained.then(
      () => {
        const failure = this.#failed ?? err;
        if (failure) return this.#reject(failure);
        this.#resolve({
          ...(this.#head as RawHead),
          body: this.#collected ? Buffer.concat(this.#collected) : undefined,
          streamed: this.#stream?.streamed ?? 0,
        });
      },
      (sinkErr: unknown) => this.#reject(sinkErr as Error),
    );
  }

  /** Socket idle timer for `phase` (reset by every read and write); off while reading is paused for the sink. */
  #arm(phase: TimeoutPhase): void {
    this.#phase = phase;
    if (this.#state !== 'settled') this.#socket.setTimeout(this.#limits[`${phase}Ms`]);
  }
}
