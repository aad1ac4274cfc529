import { randomUUID } from 'node:crypto';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { AbortError, ApiError, TimeoutError } from '@imagebuild/core';
import { API_VERSION_HEADER, DEFAULT_TIMEOUT_MS, type ImageBuilderClientOptions } from '../config.js';
import { isIdempotent, isRetryableStatus, retryDelay, retryPolicy, sleep } from './retry.js';
import { currentToken } from './token.js';

/** What openapi-fetch calls: a `fetch` that takes a `Request`. */
export type Transport = (input: Request) => Promise<Response>;

const REQUEST_ID = 'X-Request-Id';

/**
 * The one place where requests leave the client: adds `org_id`, the bearer token, the API version
 * header (`apiVersion`: v1alpha1 for the image builder, v1beta1 for the core API) and a request id; bounds time-to-headers; retries idempotent calls on network failures and
 * 408/429/502/503/504 (honouring `Retry-After`); sends through the configured undici dispatcher.
 */
export function createTransport(
  options: ImageBuilderClientOptions,
  dispatcher: Dispatcher,
  apiVersion: string,
): Transport {
  const policy = retryPolicy(options.retry);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const newId = options.requestId ?? randomUUID;

  return async (input: Request): Promise<Response> => {
    const url = new URL(input.url);
    if (options.orgId && !url.searchParams.has('org_id')) url.searchParams.set('org_id', options.orgId);
    const headers = new Headers(input.headers);
    if (!headers.has(API_VERSION_HEADER)) headers.set(API_VERSION_HEADER, apiVersion);
    if (!headers.has(REQUEST_ID)) headers.set(REQUEST_ID, newId());
    if (options.userAgent) headers.set('User-Agent', options.userAgent);
    const method = input.method.toUpperCase();
    const body =
      method === 'GET' || method === 'HEAD' || !input.body ? undefined : new Uint8Array(await input.arrayBuffer());
    const signal = input.signal;
    const requestId = headers.get(REQUEST_ID) ?? undefined;
    const retries = isIdempotent(method) ? policy.retries : 0;

    for (let attempt = 0; ; attempt++) {
      const token = await currentToken(options.token);
      if (token) headers.set('Authorization', `Bearer ${token}`);
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(signal.reason);
      if (signal.aborted) throw new AbortError(`${method} ${url.pathname} aborted`, { cause: signal.reason });
      signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true;
              controller.abort(new Error('timeout'));
            }, timeoutMs)
          : undefined;
      try {
        const response = (await undiciFetch(url, {
          method,
          headers: Object.fromEntries(headers),
          ...(body ? { body } : {}),
          signal: controller.signal,
          dispatcher,
          redirect: input.redirect,
        })) as unknown as Response;
        clearTimeout(timer);
        if (attempt < retries && isRetryableStatus(response.status)) {
          await response.body?.cancel().catch(() => undefined);
          signal.removeEventListener('abort', onAbort);
          await sleep(retryDelay(policy, attempt + 1, response.headers.get('Retry-After')), signal).catch(
            () => undefined,
          );
          continue;
        }
        return response;
      } catch (err) {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) throw new AbortError(`${method} ${url.pathname} aborted`, { cause: err });
        if (attempt < retries) {
          await sleep(retryDelay(policy, attempt + 1, null), signal).catch(() => undefined);
          continue;
        }
        if (timedOut) {
          throw new TimeoutError(`${method} ${url.pathname}: no response within ${timeoutMs} ms`, {
            cause: err,
            details: { requestId },
          });
        }
        const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
        throw new ApiError(0, `${method} ${url.origin}${url.pathname} failed: ${reason}`, {
          cause: err,
          ...(requestId ? { requestId } : {}),
        });
      }
    }
  };
}
