export { parseRetryAfter, backoffDelay, sleep, type BackoffBounds } from './backoff.js';
