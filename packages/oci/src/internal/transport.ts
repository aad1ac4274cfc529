import { rootCertificates } from 'node:tls';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { AbortError, RegistryError, SdkError } from '@imagebuild/core/errors';
import type { RegistryClientOptions } from '../client-options.js';
import { RegistryAuth } from './auth.js';
import { backoffDelay, parseRetryAfter, sleep } from '@imagebuild/core/retry';
import { DEFAULT_RETRY, RETRYABLE_STATUS, type RetryPolicy } from './retry.js';
import { discard, readErrorBody, registryErrorFromResponse } from './registry-errors.js';
import { tlsFailureCode } from './tls-errors.js';
import { rawRequest, type RawGetResult, type RawHead, type SlabSink } from './raw-http.js';
import { undiciRequest } from './undici.js';
import { nodeHttp, type RequestFn } from './node-http.js';
import { DEFAULT_TIMEOUTS, RequestTimeoutError, type RegistryTimeouts } from './timeouts.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
export type BodySource = Buffer | string | (() => Readable | Buffer);

export interface HttpRequest {
  method: HttpMethod;
  /** A path (`/v2/...`, with query) on the registry, or an absolute URL (an upload Location). */
  path: string;
  /** Auth scope, e.g. `repository:app:pull,push`. */
  scope: string;
  /** Names the operation in errors (`manifest PUT app:1`). */
  operation: string;
  headers?: Record<string, string>;
  body?: BodySource;
  /** The body can be produced again (a factory over a file or buffer): a 401 may be answered by a retry. Default: not a factory. */
  replayable?: boolean;
  /** Idempotent and replayable: may be retried after network errors and 5xx (default: GET/HEAD/PUT/DELETE with a replayable body). */
  retryable?: boolean;
  /** Statuses that are returned to the caller rather than thrown (2xx always are). */
  accept?: readonly number[];
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Readable;
  /** The URL that answered (after redirects). */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** HTTP to one registry: auth, same-origin credentials, redirects, retries, typed errors. */
export class Transport {
  readonly registry: string;
  readonly origin: string;
  readonly auth: RegistryAuth;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
  /** Stall limits of the node:http and bare-socket paths (a caller's undici dispatcher has its own). */
  readonly timeouts: RegistryTimeouts;
  /** TLS options of every connection (CA, verification). */
  readonly tls: { ca?: string[]; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' };
  /** Blob bodies go over bare sockets (raw-http.ts) unless the caller supplied a dispatcher. */
  readonly rawBlobs: boolean;
  /** Every other request: node:http/https by default, the caller's undici dispatcher when given. */
  readonly request: RequestFn;
  readonly #close: () => void;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.origin = `${options.scheme ?? 'https'}://${options.registry}`;
    this.userAgent = options.userAgent ?? 'imagebuild-oci/0.1';
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
    this.tls = {
      ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra.map((c: string | Buffer) => c.toString())] } : {}),
      rejectUnauthorized: options.skipTlsVerify !== true,
      minVersion: 'TLSv1.2',
    };
    this.rawBlobs = options.dispatcher === undefined;
    if (options.dispatcher) {
      this.request = undiciRequest(options.dispatcher);
      this.#close = () => undefined; // the caller's dispatcher is the caller's to close
    } else {
      const node = nodeHttp(this.tls, this.timeouts);
      this.request = node.request;
      this.#close = node.close;
    }
    this.auth = new RegistryAuth(this.registry, options.username, options.password, this.request, this.userAgent);
  }

  async close(): Promise<void> {
    this.#close();
  }

  url(path: string): URL {
    return new URL(path, this.origin);
  }

  /** Sends a request; non-2xx statuses not in `accept` become RegistryError. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const replayable = req.replayable ?? (req.body === undefined || typeof req.body !== 'function');
    const retryable = req.retryable ?? (replayable && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method));
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#sendFollowing(req);
      } catch (err) {
        if (req.signal?.aborted) throw abortError(req.signal, err);
        if (err instanceof SdkError) throw err;
        const tls = tlsFailureCode(err);
        if (tls) {
          // A certificate the client does not trust does not become trusted by retrying.
          throw new RegistryError(
            this.registry,
            req.operation,
            `TLS failure (${tls}), not retried: ${describeNetworkError(err)}`,
            { cause: err, details: { tls } },
          );
        }
        if (retryable && attempt < this.retry.attempts) {
          await this.#sleep(backoffDelay(this.retry, attempt), req.signal);
          continue;
        }
        throw networkError(this.registry, req.operation, err);
      }
      if (res.status === 401 && !authRetried && replayable) {
        await readErrorBody(res.body);
        authRetried = true;
        if (await this.auth.onUnauthorized(res.headers['www-authenticate'], req.scope, req.signal)) {
          attempt--;
          continue;
        }
        throw registryErrorFromResponse(this.registry, req.operation, 401, res.headers['content-type'], '');
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (req.accept?.includes(res.status)) return res;
      if (retryable && RETRYABLE_STATUS.has(res.status) && attempt < this.retry.attempts) {
        await readErrorBody(res.body);
        await this.#sleep(backoffDelay(this.retry, attempt, parseRetryAfter(res.headers['retry-after'])), req.signal);
        continue;
      }
      const text = req.method === 'HEAD' ? '' : await readErrorBody(res.body);
      if (req.method === 'HEAD') discard(res.body);
      throw registryErrorFromResponse(this.registry, req.operation, res.status, res.headers['content-type'], text);
    }
  }

  /**
   * A GET whose 2xx body goes to `onHead`'s sink over a bare socket (raw-http.ts):
   * credentials, one fresh-token retry on 401 and redirects as in `send`; other
   * statuses become RegistryError. Network failures are thrown as they are (the
   * caller resumes), after every byte received reached the sink.
   */
  async getRaw(
    req: {
      path: string;
      scope: string;
      operation: string;
      headers: Record<string, string>;
      signal?: AbortSignal | undefined;
    },
    onHead: (head: RawHead) => SlabSink | undefined,
    reading: { slabs?: () => Buffer[]; resumeAlign?: number } = {},
  ): Promise<RawGetResult> {
    let url = this.url(req.path);
    let authRetried = false;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (url.origin === this.origin) {
        const authorization = this.auth.headerFor(req.scope);
        if (authorization) headers['authorization'] = authorization;
      }
      const ok = (h: RawHead): boolean => h.status >= 200 && h.status < 300;
      let res: RawGetResult;
      try {
        res = await rawRequest({
          url,
          headers,
          tls: this.tls,
          timeouts: this.timeouts,
          signal: req.signal,
          ...reading,
          onHead: (h) => (ok(h) ? onHead(h) : undefined),
        });
      } catch (err) {
        const tls = tlsFailureCode(err);
        if (tls)
          throw new RegistryError(
            this.registry,
            req.operation,
            `TLS failure (${tls}), not retried: ${describeNetworkError(err)}`,
            { cause: err, details: { tls } },
          );
        throw err;
      }
      if (ok(res)) return res;
      const location = res.headers['location'];
      if (REDIRECTS.has(res.status) && location && hop < 5) {
        url = new URL(location, url);
        continue;
      }
      if (res.status === 401 && !authRetried && url.origin === this.origin) {
        authRetried = true;
        if (await this.auth.onUnauthorized(res.headers['www-authenticate'], req.scope, req.signal)) continue;
      }
      throw registryErrorFromResponse(
        this.registry,
        req.operation,
        res.status,
        res.headers['content-type'],
        res.body?.toString('utf8') ?? '',
      );
    }
  }

  /**
   * A PUT/PATCH whose body (re-creatable: a file range) is written to a bare
   * socket by `body` (file-body.ts): credentials and one fresh-token retry on
   * 401 as in `send`, no retries otherwise; errors typed as in `send`.
   */
  async sendRaw(req: {
    method: 'PUT' | 'PATCH';
    path: string;
    scope: string;
    operation: string;
    headers: Record<string, string>;
    body: (socket: Socket) => Promise<void>;
    signal?: AbortSignal | undefined;
  }): Promise<RawGetResult> {
    const url = this.url(req.path);
    for (let authRetried = false; ; ) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (url.origin === this.origin) {
        const authorization = this.auth.headerFor(req.scope);
        if (authorization) headers['authorization'] = authorization;
      }
      let res: RawGetResult;
      try {
        res = await rawRequest({
          method: req.method,
          url,
          headers,
          tls: this.tls,
          timeouts: this.timeouts,
          signal: req.signal,
          body: req.body,
          onHead: () => undefined,
        });
      } catch (err) {
        if (req.signal?.aborted) throw abortError(req.signal, err);
        if (err instanceof SdkError) throw err;
        const tls = tlsFailureCode(err);
        if (tls)
          throw new RegistryError(
            this.registry,
            req.operation,
            `TLS failure (${tls}), not retried: ${describeNetworkError(err)}`,
            { cause: err, details: { tls } },
          );
        throw networkError(this.registry, req.operation, err);
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (res.status === 401 && !authRetried && url.origin === this.origin) {
        authRetried = true;
        if (await this.auth.onUnauthorized(res.headers['www-authenticate'], req.scope, req.signal)) continue;
      }
      throw registryErrorFromResponse(
        this.registry,
        req.operation,
        res.status,
        res.headers['content-type'],
        res.body?.toString('utf8') ?? '',
      );
    }
  }

  async #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (err) {
      throw abortError(signal, err);
    }
  }

  async #sendFollowing(req: HttpRequest): Promise<HttpResponse> {
    let url = this.url(req.path);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      // Credentials only ever go to the registry's own origin, never to a redirect target.
      if (url.origin === this.origin) {
        const authorization = this.auth.headerFor(req.scope);
        if (authorization) headers['authorization'] = authorization;
      }
      const body = typeof req.body === 'function' ? req.body() : req.body;
      const r = await this.request(url, { method: req.method, headers, body, signal: req.signal });
      const res: HttpResponse = { ...r, url };
      const location = res.headers['location'];
      if ((req.method === 'GET' || req.method === 'HEAD') && REDIRECTS.has(res.status) && location && hop < 5) {
        await readErrorBody(res.body);
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }
}

/** A failed request as a RegistryError; a stall carries `details: { timeout, timeoutMs }`. */
export function networkError(registry: string, operation: string, err: unknown): RegistryError {
  if (err instanceof RequestTimeoutError) {
    return new RegistryError(registry, operation, `connection stalled: ${err.message}`, {
      cause: err,
      details: { timeout: err.phase, timeoutMs: err.ms },
    });
  }
  return new RegistryError(registry, operation, `request failed: ${describeNetworkError(err)}`, { cause: err });
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
}

export function abortError(signal: AbortSignal | undefined, cause?: unknown): AbortError {
  if (signal?.reason instanceof AbortError) return signal.reason;
  return new AbortError('operation aborted', { cause: cause ?? signal?.reason });
}
