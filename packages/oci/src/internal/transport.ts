import { rootCertificates } from 'node:tls';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { AbortError, RegistryError, SdkError } from '@imagebuild/core/errors';
import type { RegistryClientOptions } from '../client-options.js';
import { RegistryAuth } from './auth.js';
import { childLogger, type Logger } from '@imagebuild/core/logger';
import { parseRetryAfter, RetryableStatus, retrying, type RetryEvent, type RetryPolicy } from '@imagebuild/core/retry';
import { DEFAULT_RETRY, RETRYABLE_STATUS, failureFields } from './retry.js';
import { discard, readErrorBody, registryErrorFromResponse } from './registry-errors.js';
import { tlsFailureCode } from './tls-errors.js';
import { rawRequest, type RawResponse, type RawHead, type SlabSink } from './fast-io/raw-http.js';
import { undiciRequest } from './undici.js';
import { nodeHttp, type RequestFn } from './node-http.js';
import type { RegistryTimeouts } from '../client-options.js';
import { DEFAULT_TIMEOUTS, RequestTimeoutError } from './timeouts.js';

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

/** What every kind of exchange answers with: a status and headers. */
interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
}

/** One exchange as `#exchange` drives it. */
interface Exchange<R extends Answer> {
  path: string;
  scope: string;
  operation: string;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** The request can be sent again after a 401 (its body can be produced again). */
  replayable: boolean;
  /** Redirects are followed (GETs and HEADs). */
  redirects: boolean;
  /** Sends the request once, to `url`, with the headers `#headers` built. */
  send: (url: URL, headers: Record<string, string>) => Promise<R>;
  /** Reads what is left of a response not handed to the caller (a redirect, a 401); returns its text. */
  drain: (res: R) => Promise<string>;
}

/**
 * HTTP to one registry. Every request takes the same path: authorize (`#headers`, the one place
 * credentials are added, and only for the registry's own origin) → send (`#exchange`: redirects, one
 * fresh-credentials retry on 401) → classify the failure (`classify`) → retry (`retrying`, with the
 * client's one `RetryPolicy`).
 */
export class Transport {
  readonly registry: string;
  readonly origin: string;
  readonly auth: RegistryAuth;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
  /** Records carry `component: 'oci'` and `registry`. */
  readonly log: Logger;
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
    this.log = childLogger(options.logger, { component: 'oci', registry: options.registry });
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
    this.auth = new RegistryAuth(
      this.registry,
      options.username,
      options.password,
      this.request,
      this.userAgent,
      this.log,
    );
  }

  async close(): Promise<void> {
    this.#close();
  }

  url(path: string): URL {
    return new URL(path, this.origin);
  }

  /** A `retrying` hook that logs the retry about to happen (warn). */
  logRetry(operation: string): (e: RetryEvent) => void {
    return (e) =>
      this.log.warn('retrying', { operation, attempt: e.retry + 1, delayMs: e.delayMs, ...failureFields(e.error) });
  }

  /** Sends a request; non-2xx statuses not in `accept` become RegistryError. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const replayable = req.replayable ?? (req.body === undefined || typeof req.body !== 'function');
    const retryable = req.retryable ?? (replayable && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method));
    const attempt = async ({ last }: { last: boolean }): Promise<HttpResponse> => {
      const { res, url } = await this.#exchange({
        ...req,
        replayable,
        redirects: req.method === 'GET' || req.method === 'HEAD',
        send: (u, headers) =>
          this.request(u, {
            method: req.method,
            headers,
            body: typeof req.body === 'function' ? req.body() : req.body,
            signal: req.signal,
          }),
        drain: (r) => readErrorBody(r.body),
      });
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) return { ...res, url };
      if (!last && RETRYABLE_STATUS.has(res.status)) {
        await readErrorBody(res.body);
        throw new RetryableStatus(res.status, parseRetryAfter(res.headers['retry-after']));
      }
      const text = req.method === 'HEAD' ? '' : await readErrorBody(res.body);
      if (req.method === 'HEAD') discard(res.body);
      throw registryErrorFromResponse(this.registry, req.operation, res.status, res.headers['content-type'], text);
    };
    try {
      return await retrying(retryable ? this.retry : { ...this.retry, retries: 0 }, attempt, {
        signal: req.signal,
        shouldRetry: (err) => err instanceof RetryableStatus || !(err instanceof SdkError || tlsFailureCode(err)),
        retryAfterMs: (err) => (err instanceof RetryableStatus ? err.retryAfterMs : undefined),
        onRetry: this.logRetry(req.operation),
      });
    } catch (err) {
      throw this.classify(req.operation, err, req.signal);
    }
  }

  /**
   * A GET whose 2xx body goes to `onHead`'s sink over a bare socket (raw-http.ts):
   * credentials, one fresh-token retry on 401 and redirects as in `send`; other
   * statuses become RegistryError. Network failures are thrown as they are (the
   * caller resumes), after every byte received reached the sink; TLS failures are
   * typed as in `send`.
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
  ): Promise<RawResponse> {
    const ok = (h: RawHead): boolean => h.status >= 200 && h.status < 300;
    try {
      const { res } = await this.#exchange({
        ...req,
        replayable: true,
        redirects: true,
        send: (url, headers) =>
          rawRequest({
            url,
            headers,
            tls: this.tls,
            timeouts: this.timeouts,
            signal: req.signal,
            ...reading,
            onHead: (h) => (ok(h) ? onHead(h) : undefined),
          }),
        drain: async (r) => r.body?.toString('utf8') ?? '',
      });
      if (ok(res)) return res;
      throw rawStatusError(this.registry, req.operation, res);
    } catch (err) {
      const tls = tlsFailureCode(err);
      throw tls ? tlsError(this.registry, req.operation, tls, err) : err;
    }
  }

  /**
   * A PUT/PATCH whose body (re-creatable: a file range) is written to a bare
   * socket by `body` (file-body.ts): credentials and one fresh-token retry on
   * 401 as in `send`, no retries otherwise (the caller resumes); errors typed as in `send`.
   */
  async sendRaw(req: {
    method: 'PUT' | 'PATCH';
    path: string;
    scope: string;
    operation: string;
    headers: Record<string, string>;
    body: (socket: Socket) => Promise<void>;
    signal?: AbortSignal | undefined;
  }): Promise<RawResponse> {
    let res: RawResponse;
    try {
      ({ res } = await this.#exchange({
        ...req,
        replayable: true,
        redirects: false,
        send: (url, headers) =>
          rawRequest({
            method: req.method,
            url,
            headers,
            tls: this.tls,
            timeouts: this.timeouts,
            signal: req.signal,
            body: req.body,
            onHead: () => undefined,
          }),
        drain: async (r) => r.body?.toString('utf8') ?? '',
      }));
    } catch (err) {
      throw this.classify(req.operation, err, req.signal);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw rawStatusError(this.registry, req.operation, res);
  }

  /**
   * A failure as the caller sees it: an abort as AbortError, an SdkError as it is, a TLS failure
   * (never retried: an untrusted certificate does not become trusted) and any other network
   * failure as RegistryError.
   */
  classify(operation: string, err: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return abortError(signal, err);
    if (err instanceof SdkError) return err;
    const tls = tlsFailureCode(err);
    if (tls) return tlsError(this.registry, operation, tls, err);
    return networkError(this.registry, operation, err);
  }

  /** The request headers for `url`: ours, the caller's, and credentials for the registry's own origin only. */
  #headers(url: URL, scope: string, extra: Record<string, string> | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...extra };
    // Credentials only ever go to the registry's own origin, never to a redirect target.
    if (url.origin === this.origin) {
      const authorization = this.auth.headerFor(scope);
      if (authorization) headers['authorization'] = authorization;
    }
    return headers;
  }

  /** Authorize → send, following redirects and answering one 401 with fresh credentials. */
  async #exchange<R extends Answer>(x: Exchange<R>): Promise<{ res: R; url: URL }> {
    let url = this.url(x.path);
    let authRetried = false;
    for (let hop = 0; ; hop++) {
      const res = await x.send(url, this.#headers(url, x.scope, x.headers));
      const location = res.headers['location'];
      if (x.redirects && REDIRECTS.has(res.status) && location && hop < 5) {
        await x.drain(res);
        url = new URL(location, url);
        continue;
      }
      if (res.status === 401 && !authRetried && x.replayable && url.origin === this.origin) {
        authRetried = true;
        const text = await x.drain(res);
        if (await this.auth.onUnauthorized(res.headers['www-authenticate'], x.scope, x.signal)) continue;
        throw registryErrorFromResponse(this.registry, x.operation, 401, res.headers['content-type'], text);
      }
      return { res, url };
    }
  }
}

function rawStatusError(registry: string, operation: string, res: RawResponse): RegistryError {
  const text = res.body?.toString('utf8') ?? '';
  return registryErrorFromResponse(registry, operation, res.status, res.headers['content-type'], text);
}

function tlsError(registry: string, operation: string, tls: string, err: unknown): RegistryError {
  return new RegistryError(registry, operation, `TLS failure (${tls}), not retried: ${describeNetworkError(err)}`, {
    cause: err,
    details: { tls },
  });
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
