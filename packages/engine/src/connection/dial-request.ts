// The request shape a dialect hands to EngineConnection (method, path, query, body).
import type { Readable } from 'node:stream';

/** A query parameter's value (arrays repeat the key; undefined is left out). */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** One HTTP request to an engine, addressed with its full (versioned) path. */
export interface DialRequest {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD' | 'PUT';
  /** Path without query, e.g. `/v1.41/containers/create`. */
  path: string;
  /** Query parameters, encoded by the modem. */
  query?: Record<string, QueryValue> | undefined;
  /** JSON body. */
  json?: unknown;
  /** Raw body (tar context…). */
  body?: Buffer | Readable | undefined;
  /** Extra request headers (`json` sets `Content-Type`). */
  headers?: Record<string, string> | undefined;
  /** Aborts the request and the response stream. */
  signal?: AbortSignal | undefined;
  /** Status codes that count as success; default 200, 201, 204. */
  ok?: readonly number[] | undefined;
}
