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

export const DEFAULT_TIMEOUTS: RegistryTimeouts = { connectMs: 30_000, headersMs: 30_000, idleMs: 60_000 };

export type TimeoutPhase = 'connect' | 'headers' | 'idle';

const WHAT: Record<TimeoutPhase, string> = {
  connect: 'no connection',
  headers: 'no response head',
  idle: 'no bytes transferred',
};

/**
 * A connection stalled past one of the timeouts. A network error like a reset:
 * idempotent requests are retried and downloads resume; otherwise it surfaces as
 * a RegistryError (details `{ timeout, timeoutMs }`) naming registry and operation.
 */
export class RequestTimeoutError extends Error {
  readonly code = 'IB_REQUEST_TIMEOUT';
  constructor(
    readonly phase: TimeoutPhase,
    readonly ms: number,
  ) {
    super(`${WHAT[phase]} within ${ms} ms (timeouts.${phase}Ms)`);
    this.name = 'RequestTimeoutError';
  }
}
