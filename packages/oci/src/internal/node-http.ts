import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/** What the transport needs from an HTTP client: one request, the response head and a body stream. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Readable;
}

export interface PlainRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer | string | Readable | undefined;
  signal?: AbortSignal | undefined;
}

export type RequestFn = (url: URL, req: PlainRequest) => Promise<PlainResponse>;

export function flattenHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Requests with Node's own HTTP client (native llhttp): keep-alive agents for
 * http and https (TLS options: CA, verification). Chosen over undici as the
 * default because undici's WASM parser costs ~40 MiB of RSS once V8 tiers it up.
 */
export function nodeHttp(tls: { ca?: string[]; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' }): { request: RequestFn; close: () => void } {
  const http = new HttpAgent({ keepAlive: true, keepAliveMsecs: 10_000 });
  const https = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 10_000, ...tls });
  const request: RequestFn = (url, r) => new Promise<PlainResponse>((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, { method: r.method, headers: r.headers, agent: secure ? https : http, ...(r.signal ? { signal: r.signal } : {}) }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: res });
    });
    req.setNoDelay(true);
    req.on('error', reject);
    const body = r.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
  return {
    request,
    close: () => {
      http.destroy();
      https.destroy();
    },
  };
}
