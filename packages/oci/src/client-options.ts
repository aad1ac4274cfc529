import type { Dispatcher } from 'undici';
import type { Logger } from '@imagebuild/core/logger';
import type { RetryPolicy } from '@imagebuild/core/retry';

/** How to reach and authenticate to one registry. */
export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `quay.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Default `https`. */
  scheme?: 'http' | 'https' | undefined;
  /** Basic credentials; also used to obtain bearer tokens. Never logged. */
  username?: string | undefined;
  /** Password or token for `username`. Never logged. */
  password?: string | undefined;
  /** Extra trusted CA certificate(s), PEM. Added to the system CAs. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /** Skip TLS certificate verification (only when the caller asks for it). */
  skipTlsVerify?: boolean | undefined;
  /**
   * Retry policy of idempotent requests with re-creatable bodies, of uploads and of download resumes
   * (default: 4 retries, 200 ms doubling, 10 s cap).
   */
  retry?: Partial<RetryPolicy> | undefined;
  /**
   * Where the client says what it decides: retries (warn), resumed downloads and restarted uploads (info),
   * the auth scheme chosen (debug). Records carry `component: 'oci'` and `registry`. Silent by default.
   */
  logger?: Logger | undefined;
  /**
   * Stall limits in ms (defaults: connect 30 s, response head 30 s, no bytes
   * for 60 s while a body moves). A stalled idempotent request is retried and a
   * download resumes; otherwise the error is a RegistryError with
   * `details.timeout` ('connect' | 'headers' | 'idle'). Not applied to a
   * caller-supplied `dispatcher`, which has its own.
   */
  timeouts?: Partial<RegistryTimeouts> | undefined;
  /**
   * Chunk size in bytes of uploads whose digest is not known beforehand. Default:
   * no chunking — the file goes in one streamed `PATCH` (sha256 computed while it
   * is sent, the file read once), then `PUT ?digest=` closes the session; after an
   * interruption the upload resumes from the offset the registry reports. Set it
   * for registries or proxies that limit request sizes.
   */
  chunkSize?: number | undefined;
  /**
   * Largest manifest, index or tag-list body read (default 4 MiB). A bigger one fails with core's
   * `LimitExceededError` (code `LIMIT_EXCEEDED`, limit `maxManifestBytes`). Error bodies are always cut
   * at 64 KiB; blobs stream to their destination.
   */
  maxManifestBytes?: number | undefined;
  /** `User-Agent` header (default `imagebuild-oci/0.1`). */
  userAgent?: string | undefined;
  /** An undici dispatcher to use instead of the client's own agent (tests, proxies). */
  dispatcher?: Dispatcher | undefined;
}

/** How long a registry connection may stay silent before it is given up (ms). */
export interface RegistryTimeouts {
  /** TCP connect plus TLS handshake (default 30 000). */
  connectMs: number;
  /** From sending a request without a body to the response head, no bytes meanwhile (default 30 000). */
  headersMs: number;
  /**
   * No bytes in either direction while a body is sent or received, or while the
   * registry commits an uploaded body before answering (default 60 000).
   */
  idleMs: number;
}

/**
 * The parts of a Flight Control `Repository` (core v1beta1, type `oci`) the
 * client reads. Structurally compatible with `Repository` from `@imagebuild/core`.
 */
export interface OciRepositoryLike {
  /** The Repository's `spec`: registry, scheme, docker auth and TLS settings. */
  spec: {
    registry: string;
    scheme?: 'http' | 'https' | undefined;
    ociAuth?: { authType: 'docker'; username: string; password: string } | undefined;
    /** Base64-encoded PEM, as in the Repository resource. */
    'ca.crt'?: string | undefined;
    skipServerVerification?: boolean | undefined;
  };
}

/** Builds client options from a Repository resource; `overrides` win. */
export function optionsFromRepository(
  repository: OciRepositoryLike,
  overrides: Partial<RegistryClientOptions> = {},
): RegistryClientOptions {
  const { spec } = repository;
  const caB64 = spec['ca.crt'];
  return {
    registry: spec.registry,
    scheme: spec.scheme ?? 'https',
    ...(spec.ociAuth ? { username: spec.ociAuth.username, password: spec.ociAuth.password } : {}),
    ...(caB64 ? { ca: Buffer.from(caB64.replace(/\s+/g, ''), 'base64').toString('utf8') } : {}),
    ...(spec.skipServerVerification ? { skipTlsVerify: true } : {}),
    ...overrides,
  };
}
