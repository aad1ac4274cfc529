import type { IncomingMessage } from 'node:http';
import { addAbortSignal, type Readable } from 'node:stream';
import { AbortError } from '@imagebuild/core';
import { EngineError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import type Modem from 'docker-modem';
import type { QueryValue, DialRequest } from '../connection/dial-request.js';
// Defined in the public module; re-exported for the modules importing them here.
export type { QueryValue, DialRequest };

interface ModemInternals {
  protocol?: string;
  host?: string | undefined;
  buildRequest: (...args: unknown[]) => unknown;
}

/**
 * docker-modem glues an ssh host into `ssh:<host>:<port><host>` before resolving the request path
 * against it, which Node reports as DEP0170 (an invalid URL; a future Node will throw). Over ssh
 * the address only yields the path (the ssh agent dials the host itself), so the modem is given
 * no host while it builds a request's address, and the host back while it opens the connection.
 */
export function sshSafeModem(modem: Modem): Modem {
  const m = modem as unknown as ModemInternals;
  if (m.protocol !== 'ssh' || m.host === undefined) return modem;
  const host = m.host;
  const buildRequest = m.buildRequest;
  m.host = undefined;
  m.buildRequest = function (this: ModemInternals, ...args: unknown[]) {
    this.host = host;
    try {
      return buildRequest.apply(this, args);
    } finally {
      this.host = undefined;
    }
  };
  return modem;
}

const ALL_STATUS: Record<number, boolean> = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [i + 100, true]));

/**
 * Sends a request through docker-modem (so unix, tcp+TLS and ssh endpoints all work) and returns
 * the response as a stream. Sidesteps two docker-modem quirks: a path containing `?` without
 * options loses its last character, and option objects are sent as the POST body.
 */
export function dialStream(modem: Modem, engine: string, req: DialRequest): Promise<IncomingMessage> {
  throwIfAborted(req.signal);
  const query: Record<string, string | readonly string[]> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (v === undefined) continue;
    query[k] = Array.isArray(v) ? v : String(v);
  }
  const headers: Record<string, string> = { ...req.headers };
  let file: Buffer | Readable | undefined = req.body;
  if (req.json !== undefined) {
    file = Buffer.from(JSON.stringify(req.json));
    headers['Content-Type'] = 'application/json';
  } else if (file === undefined && req.method === 'POST') {
    file = Buffer.alloc(0);
    headers['Content-Type'] ??= 'text/plain';
  }
  const ok = req.ok ?? [200, 201, 204];
  return new Promise<IncomingMessage>((resolve, reject) => {
    modem.dial(
      {
        path: `${req.path}?`,
        method: req.method,
        options: { _query: query },
        ...(file === undefined ? {} : { file }),
        headers,
        isStream: true,
        statusCodes: ALL_STATUS,
        ...(req.signal ? { abortSignal: req.signal } : {}),
      },
      (err: unknown, res: unknown) => {
        if (err) {
          reject(transportError(engine, req, err));
          return;
        }
        const response = res as IncomingMessage;
        if (req.signal) addAbortSignal(req.signal, response);
        const status = response.statusCode ?? 0;
        if (ok.includes(status)) {
          resolve(response);
          return;
        }
        readText(response).then(
          (text) => reject(statusError(engine, req, status, text)),
          (e: unknown) => reject(transportError(engine, req, e)),
        );
      },
    );
  });
}

/** Sends a request and parses the JSON answer (undefined for an empty body). */
export async function dialJson<T = unknown>(modem: Modem, engine: string, req: DialRequest): Promise<T> {
  const res = await dialStream(modem, engine, req);
  const text = await readText(res).catch((e: unknown) => {
    throw transportError(engine, req, e);
  });
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    // a non-JSON body is returned as text for the caller to judge
    return text as T;
  }
}

/** Reads a whole response body as text. */
export async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function statusError(engine: string, req: DialRequest, status: number, text: string): EngineError {
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { message?: string; cause?: string };
    message = body.message ?? body.cause ?? message;
  } catch {
    // plain-text body
  }
  return new EngineError(engine, `${req.method} ${req.path} failed with HTTP ${status}: ${message || 'no message'}`, {
    details: { status, path: req.path },
  });
}

function transportError(engine: string, req: DialRequest, err: unknown): EngineError | AbortError {
  if (req.signal?.aborted) return new AbortError('operation aborted', { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(engine, `${req.method} ${req.path}: connection failed: ${message}`, { cause: err });
}
