import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { RegistryTimeouts } from '../client-options.js';
import { DEFAULT_TIMEOUTS, RequestTimeoutError, type TimeoutPhase } from './timeouts.js';

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

export function flattenHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Requests with Node's own HTTP client (native llhttp): keep-alive agents for
 * http and https (TLS options: CA, verification). Chosen over undici as the
 * default because undici's WASM parser costs ~40 MiB of RSS once V8 tiers it up.
 */
export function nodeHttp(
  tls: { ca?: string[]; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' },
  limits: RegistryTimeouts = DEFAULT_TIMEOUTS,
): { request: RequestFn; close: () => void } {
  const http = new HttpAgent({ keepAlive: true, keepAliveMsecs: 10_000 });
  const https = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 10_000, ...tls });
  const request: RequestFn = (url, r) =>
    new Promise<PlainResponse>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      // Socket idle timeouts by phase: connecting (a new socket), waiting for the head, then the body.
      let phase: TimeoutPhase = 'connect';
      let response: Readable | undefined;
      const arm = (socket: Socket, p: TimeoutPhase): void => {
        phase = p;
        socket.setTimeout(limits[`${p}Ms`]);
      };
      const req = send(
        url,
        {
          method: r.method,
          headers: r.headers,
          agent: secure ? https : http,
          timeout: limits.connectMs,
          ...(r.signal ? { signal: r.signal } : {}),
        },
        (res) => {
          arm(res.socket, 'idle');
          response = res;
          resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: res });
        },
      );
      req.on('socket', (socket) => {
        const sent = (): void =>
          arm(
            socket,
            r.body === undefined || typeof r.body === 'string' || Buffer.isBuffer(r.body) ? 'headers' : 'idle',
          );
        if (socket.connecting) {
          arm(socket, 'connect');
          socket.once(secure ? 'secureConnect' : 'connect', sent);
        } else {
          sent();
        }
      });
      req.on('timeout', () => {
        const err = new RequestTimeoutError(phase, limits[`${phase}Ms`]);
        response?.destroy(err); // a body being read fails with the timeout, not a bare 'aborted'
        req.destroy(err);
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
