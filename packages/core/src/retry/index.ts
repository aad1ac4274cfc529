export { parseRetryAfter, backoffDelay, sleep, type BackoffBounds } from './backoff.js';
export {
  retrying,
  RetryableStatus,
  type AttemptInfo,
  type RetryEvent,
  type RetryPolicy,
  type RetryingOptions,
} from './retrying.js';
