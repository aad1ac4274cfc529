import type { Logger } from '@imagebuild/core/logger';
/** A bearer token, or a function that returns the current one (called before every request). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** TLS options for talking to the server (node:https agent options). */
export interface ClientTlsOptions {
  /** Extra trusted CA certificates (PEM). Replaces the system roots unless `includeSystemRoots`. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
  /** `false` turns off certificate verification (test setups only). Default true. */
  rejectUnauthorized?: boolean;
  /** SNI / verification name when it differs from the URL host. */
  servername?: string;
}

/** Retry policy for idempotent calls (GET, HEAD, PUT, DELETE). POSTs are never retried. */
export interface RetryOptions {
  /** Extra attempts after the first. Default 2. */
  retries?: number;
  /** First back-off delay; doubles each attempt (with jitter). Default 250 ms. */
  minDelayMs?: number;
  /** Cap on one delay (also caps `Retry-After`). Default 5 s. */
  maxDelayMs?: number;
}

/**
 * Bounds on what a server can make the client hold. Every limit counts bytes after any
 * Content-Encoding is undone (the client asks for identity), so a compression bomb stops at it.
 * Going over throws core's `LimitExceededError` (code `LIMIT_EXCEEDED`, `limit` = the option's name).
 */
export interface ClientLimits {
  /** A JSON (or text log) response body. Default 32 MiB. */
  maxResponseBytes?: number;
  /** An error response body: longer ones are cut to this (the ApiError keeps the status). Default 64 KiB. */
  maxErrorBodyBytes?: number;
  /** One line (and one event) of a log stream (SSE). Default 1 MiB. */
  maxSseLineBytes?: number;
}

/** Options of `ImageBuilderClient`: where the services are, credentials, timeouts, limits and retries. */
export interface ImageBuilderClientOptions {
  /**
   * The image-builder service, without `/api/v1`: `https://imagebuilder-api.<domain>`,
   * `https://<domain>/_/imagebuilder` behind the gateway, or `https://<host>:8445`
   * (see `deriveImageBuilderUrl`).
   */
  baseUrl: string;
  /** The core Flight Control API, without `/api/v1` (repositories, enrollment). Default: none. */
  coreBaseUrl?: string | undefined;
  /** Bearer token or token provider. */
  token?: TokenSource | undefined;
  /** Organization id, sent as the `org_id` query parameter on every request. */
  orgId?: string | undefined;
  /** TLS settings for `https:` URLs (CA, client certificate, verification). */
  tls?: ClientTlsOptions | undefined;
  /** Time allowed until response headers arrive, per attempt. Default 30 s. 0 disables. */
  timeoutMs?: number | undefined;
  /**
   * Overall deadline of a call whose body is read whole (JSON, text): headers and body, per attempt.
   * A body dripped byte by byte ends here. Default 2 min. 0 disables. Streams (log follow, downloads)
   * have no overall deadline; `bodyTimeoutMs` bounds their silences and `signal` ends them.
   */
  requestTimeoutMs?: number | undefined;
  /** Longest silence allowed inside a response body (streams included). Default 5 min. */
  bodyTimeoutMs?: number | undefined;
  /** Caps on response bodies and log lines; see `ClientLimits` for the defaults. */
  limits?: ClientLimits | undefined;
  /** Retry policy of idempotent calls. */
  retry?: RetryOptions | undefined;
  /**
   * Where the client says what it decides (a retry: warn, with the attempt, the delay and the status or
   * error code). Records carry `component: 'client'`; secrets are redacted. Silent by default.
   */
  logger?: Logger | undefined;
  /** Produces the `X-Request-Id` of each request (kept across its retries). Default: random UUID. */
  requestId?: (() => string) | undefined;
  /** `User-Agent` header of every request. Default: none sent. */
  userAgent?: string | undefined;
}

// The header's name is core's wire constant; re-exported for the transport.
export { API_VERSION_HEADER } from '@imagebuild/core/resources';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_TIMEOUT_MS = 300_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
export const DEFAULT_LIMITS: Required<ClientLimits> = {
  maxResponseBytes: 32 * 1024 * 1024,
  maxErrorBodyBytes: 64 * 1024,
  maxSseLineBytes: 1024 * 1024,
};

export function resolveLimits(limits: ClientLimits | undefined): Required<ClientLimits> {
  return { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(limits ?? {}).filter(([, v]) => v !== undefined)) };
}
