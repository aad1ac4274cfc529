import { Agent, type Dispatcher } from 'undici';
import type { ImageBuilderClientOptions } from '../config.js';
import { DEFAULT_BODY_TIMEOUT_MS } from '../config.js';

/** The undici dispatcher for a client: custom CA / mTLS / verification and the body-idle timeout. */
export function createDispatcher(options: ImageBuilderClientOptions): Dispatcher {
  if (options.dispatcher) return options.dispatcher;
  const tls = options.tls ?? {};
  const connect: Record<string, unknown> = {};
  if (tls.ca !== undefined) connect.ca = Array.isArray(tls.ca) ? [...tls.ca] : tls.ca;
  if (tls.cert !== undefined) connect.cert = tls.cert;
  if (tls.key !== undefined) connect.key = tls.key;
  if (tls.rejectUnauthorized !== undefined) connect.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls.servername !== undefined) connect.servername = tls.servername;
  return new Agent({
    connect,
    // Our own timer bounds time-to-headers (it yields a typed TimeoutError); undici's is a backstop.
    headersTimeout: 0,
    bodyTimeout: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  });
}
