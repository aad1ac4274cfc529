import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { flattenHeaders, type RequestFn } from './node-http.js';

/**
 * Requests through a caller-supplied undici dispatcher (tests, proxies). undici
 * is imported on first use only: the default client never loads it.
 */
export function undiciRequest(dispatcher: Dispatcher): RequestFn {
  return async (url, r) => {
    const undici = await import('undici');
    const res = await undici.request(url, {
      method: r.method as Dispatcher.HttpMethod,
      headers: r.headers,
      body: r.body ?? null,
      dispatcher,
      signal: r.signal ?? null,
      highWaterMark: 1024 * 1024,
    });
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body: res.body as unknown as Readable };
  };
}
