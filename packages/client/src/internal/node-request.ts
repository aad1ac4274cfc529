import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agents } from './agents.js';

export interface RawRequest {
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  /** Fails the request (and later its body) with `reason()` when it fires. */
  signal: AbortSignal;
  /** Socket silence allowed while the body streams (0: none). */
  idleMs: number;
}

/**
 * One request over node:http/https (Node's own parser: no third-party assertion can take the process
 * down, whatever the peer does). Resolves with the response head; the body is the IncomingMessage,
 * which fails with the signal's reason or an idle timeout.
 */
export function sendRaw(url: URL, r: RawRequest, agents: Agents, onIdle: () => Error): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: r.method,
      headers: r.headers,
      agent: secure ? agents.https : agents.http,
    });
    let response: IncomingMessage | undefined;
    const fail = (err: Error): void => {
      response?.destroy(err);
      req.destroy(err);
    };
    const onAbort = (): void => fail(toError(r.signal.reason));
    if (r.signal.aborted) {
      req.destroy();
      reject(toError(r.signal.reason));
      return;
    }
    r.signal.addEventListener('abort', onAbort, { once: true });
    const release = (): void => r.signal.removeEventListener('abort', onAbort);
    req.on('response', (res) => {
      response = res;
      const socket = res.socket;
      const idle = (): void => fail(onIdle());
      if (r.idleMs > 0) {
        socket.setTimeout(r.idleMs);
        socket.once('timeout', idle);
      }
      res.once('close', () => {
        release();
        // A kept-alive socket must not carry this response's idle timer into the next request.
        socket.removeListener('timeout', idle);
        if (!socket.destroyed) socket.setTimeout(0);
      });
      resolve(res);
    });
    req.on('error', (err) => {
      release();
      reject(err);
    });
    req.end(r.body);
  });
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}
