// When and how a whole upload is tried again (in a new session), shared by every upload path.
import { AbortError, RegistryError, SdkError, ValidationError } from '@imagebuild/core/errors';
import type { RetryEvent } from '@imagebuild/core/retry';
import { tlsFailureCode } from './tls-errors.js';
import type { Transport } from './transport.js';

/** True when an upload failure may be recovered by resuming or starting over. */
export function recoverable(err: unknown): boolean {
  if (err instanceof AbortError || err instanceof ValidationError) return false;
  if (err instanceof RegistryError) {
    if (tlsFailureCode(err)) return false;
    if (err.status === undefined) return true; // network
    if (err.status >= 500 || err.status === 408 || err.status === 429 || err.status === 416) return true;
    return err.ociCodes.includes('BLOB_UPLOAD_INVALID') || err.ociCodes.includes('BLOB_UPLOAD_UNKNOWN');
  }
  return !(err instanceof SdkError);
}

/** A `retrying` hook for whole-upload retries: the retry (warn) and the new session it opens (info). */
export function restartLogger(t: Transport, operation: string): (e: RetryEvent) => void {
  const logRetry = t.logRetry(operation);
  return (e) => {
    logRetry(e);
    t.log.info('restarting upload session', { operation, attempt: e.retry + 1 });
  };
}
