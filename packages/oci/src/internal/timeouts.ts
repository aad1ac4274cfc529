import type { RegistryTimeouts } from '../client-options.js';

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
