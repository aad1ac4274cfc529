import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AbortError, TimeoutError } from '@imagebuild/core';
import { ApiError, LimitExceededError, echo } from '@imagebuild/core/errors';
import {
  API_VERSION_HEADER,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  resolveLimits,
  type ImageBuilderClientOptions,
} from '../config.js';
import type { Agents } from './agents.js';
import { decodedBody, isEncoded, readBounded, toWebStream } from './body.js';
import { sendRaw } from './node-request.js';
import { childLogger } from '@imagebuild/core/logger';
import { parseRetryAfter, RetryableStatus, retrying } from '@imagebuild/core/retry';
import { isIdempotent, isRetryableStatus, retryPolicy } from './retry.js';
import { currentToken } from './token.js';

/** How one call reads its answer, and the caller's own signal (never a Request's: see `CallContext`). */
export interface CallContext {
  /**
   * The caller's signal itself. A `Request`'s signal only follows the caller's through a weak
   * reference, so after a garbage collection an abort would no longer reach an open stream.
   */
  signal?: AbortSignal | null | undefined;
  /** The body is streamed to the caller (log follow, download) instead of read whole and bounded. */
  stream?: boolean;
}

/** What openapi-fetch calls, plus the call's context. */
export type Transport = (input: Request, call?: CallContext) => Promise<Response>;

const REQUEST_ID = 'x-request-id';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const NULL_BODY = new Set([204, 205, 304]);
const decodedResponses = new WeakSet<Response>();

/** True when the transport undid a Content-Encoding on this response (sizes then differ from the wire). */
export function wasDecoded(response: Response): boolean {
  return decodedResponses.has(response);
}

/**
 * The one place where requests leave the client, over node:http/https: adds `org_id`, the bearer
 * token, the API version header and a request id; asks for identity encoding; bounds time to headers,
 * the whole call (bodies read whole) and silences; bounds every body it reads; follows redirects
 * (never across origins with a body, never with the token to another origin); retries idempotent
 * calls on network failures and 408/429/502/503/504 (honouring `Retry-After`).
 */
export function createTransport(options: ImageBuilderClientOptions, agents: Agents, apiVersion: string): Transport {
  const policy = retryPolicy(options.retry);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadlineMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const idleMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const limits = resolveLimits(options.limits);
  const newId = options.requestId ?? randomUUID;
  const log = childLogger(options.logger, { component: 'client' });

  return async (input: Request, call: CallContext = {}): Promise<Response> => {
    const url = new URL(input.url);
    if (options.orgId && !url.searchParams.has('org_id')) url.searchParams.set('org_id', options.orgId);
    const headers: Record<string, string> = {};
    input.headers.forEach((value, key) => {
      headers[key] = value;
    });
    headers[API_VERSION_HEADER.toLowerCase()] ??= apiVersion;
    headers[REQUEST_ID] ??= newId();
    headers['accept-encoding'] = 'identity';
    if (options.userAgent) headers['user-agent'] = options.userAgent;
    const method = input.method.toUpperCase();
    const body =
      method === 'GET' || method === 'HEAD' || !input.body ? undefined : new Uint8Array(await input.arrayBuffer());
    const what = `${method} ${url.origin}${url.pathname}`;
    const caller = call.signal ?? undefined;
    const requestId = headers[REQUEST_ID];
    const attempt = async ({ last }: { last: boolean }): Promise<Response> => {
      const token = await currentToken(options.token);
      if (token) headers.authorization = `Bearer ${token}`;
      if (caller?.aborted) throw new AbortError(`${what} aborted`, { cause: caller.reason });
      const ctl = new AbortController();
      const onCallerAbort = (): void => ctl.abort(new AbortError(`${what} aborted`, { cause: caller?.reason }));
      caller?.addEventListener('abort', onCallerAbort, { once: true });
      const headersTimer =
        timeoutMs > 0
          ? setTimeout(() => ctl.abort(new TimeoutError(`${what}: no response within ${timeoutMs} ms`)), timeoutMs)
          : undefined;
      const deadline =
        !call.stream && deadlineMs > 0
          ? setTimeout(() => ctl.abort(new TimeoutError(`${what}: not complete within ${deadlineMs} ms`)), deadlineMs)
          : undefined;
      const cleanup = (): void => {
        clearTimeout(headersTimer);
        clearTimeout(deadline);
        caller?.removeEventListener('abort', onCallerAbort);
      };
      try {
        const res = await follow(url, method, headers, body, input.redirect, ctl.signal);
        clearTimeout(headersTimer);
        const status = res.statusCode ?? 0;
        if (!last && isRetryableStatus(status)) {
          res.destroy();
          cleanup();
          throw new RetryableStatus(status, parseRetryAfter(header(res, 'retry-after')));
        }
        const ok = status >= 200 && status < 300;
        if (ok && call.stream && !NULL_BODY.has(status)) {
          return respond(res, toWebStream(decodedBody(res, what), cleanup), undefined);
        }
        const bytes = await readBounded(
          decodedBody(res, what),
          ok ? limits.maxResponseBytes : limits.maxErrorBodyBytes,
          ok ? 'maxResponseBytes' : 'maxErrorBodyBytes',
          what,
          !ok,
        );
        cleanup();
        if (ok) checkJson(res, bytes, what);
        return respond(res, bytes, bytes.length);
      } catch (err) {
        cleanup();
        throw err;
      }
    };

    try {
      return await retrying(isIdempotent(method) ? policy : { ...policy, retries: 0 }, attempt, {
        signal: caller,
        // A limit or a refused redirect stays what it is however often it is asked again.
        shouldRetry: (err) =>
          !(err instanceof LimitExceededError || (err instanceof ApiError && err.details.final === true)),
        retryAfterMs: (err) => (err instanceof RetryableStatus ? err.retryAfterMs : undefined),
        onRetry: (e) =>
          log.warn('retrying', {
            request: what,
            attempt: e.retry + 1,
            delayMs: e.delayMs,
            ...(e.error instanceof RetryableStatus
              ? { status: e.error.status }
              : { code: (e.error as { code?: unknown }).code ?? (e.error as Error).name }),
          }),
      });
    } catch (err) {
      if (caller?.aborted) throw err instanceof AbortError ? err : new AbortError(`${what} aborted`, { cause: err });
      if (err instanceof TimeoutError || err instanceof LimitExceededError || err instanceof ApiError) {
        if (err instanceof TimeoutError && requestId)
          throw new TimeoutError(err.message, { cause: err, details: { requestId } });
        throw err;
      }
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ApiError(0, `${what} failed: ${reason}`, { cause: err, ...(requestId ? { requestId } : {}) });
    }
  };

  async function follow(
    start: URL,
    startMethod: string,
    startHeaders: Record<string, string>,
    startBody: Uint8Array | undefined,
    mode: Request['redirect'],
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    let url = start;
    let method = startMethod;
    let headers = startHeaders;
    let body = startBody;
    for (let hops = 0; ; hops++) {
      const res = await sendRaw(
        url,
        { method, headers, body, signal, idleMs },
        agents,
        () => new TimeoutError(`${method} ${url.origin}${url.pathname}: no data for ${idleMs} ms`),
      );
      const location = header(res, 'location');
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || mode === 'manual') return res;
      res.destroy();
      const what = `${method} ${url.origin}${url.pathname}`;
      const refuse = (why: string): ApiError => new ApiError(0, `${what}: ${why}`, { details: { final: true } });
      if (mode === 'error') throw refuse('redirected');
      if (hops >= MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw refuse(`redirect to an invalid location ${echo(location)}`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw refuse('redirect to a non-HTTP location');
      const status = res.statusCode ?? 0;
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = withoutKeys(headers, ['content-type', 'content-length']);
      }
      if (next.origin !== url.origin) {
        // A request body may hold credentials (a Repository's password): it never follows to another origin.
        if (body !== undefined) throw refuse(`refusing to resend the request body to another origin (${next.origin})`);
        headers = withoutKeys(headers, ['authorization', 'cookie']);
      }
      url = next;
    }
  }
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function withoutKeys(headers: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !keys.includes(k)));
}

/** A JSON body that does not parse fails here, without the excerpt of the body V8 would quote. */
function checkJson(res: IncomingMessage, bytes: Buffer, what: string): void {
  if (!/[/+]json\b/i.test(header(res, 'content-type') ?? '') || bytes.length === 0) return;
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ApiError(0, `${what}: response is not valid JSON (${bytes.length} bytes)`, { details: { final: true } });
  }
}

const TOKEN = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A fetch `Response` from node's answer; `length` replaces Content-Length when the body was buffered. */
function respond(
  res: IncomingMessage,
  body: Uint8Array | ReadableStream<Uint8Array>,
  length: number | undefined,
): Response {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    res.destroy();
    throw new ApiError(0, `invalid HTTP status ${status}`, { details: { final: true } });
  }
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // a header value fetch's Headers refuses is dropped, not fatal
    }
  }
  const decoded = isEncoded(res);
  if (decoded) headers.delete('content-encoding');
  if (decoded || length !== undefined) headers.delete('content-length');
  if (length !== undefined) headers.set('content-length', String(length));
  const statusText = TOKEN.test(res.statusMessage ?? '') ? (res.statusMessage ?? '') : '';
  const response = new Response(NULL_BODY.has(status) ? null : body, { status, statusText, headers });
  if (decoded) decodedResponses.add(response);
  return response;
}
