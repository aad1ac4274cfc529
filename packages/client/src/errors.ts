import { ApiError, escapeText } from '@imagebuild/core/errors';

/** Longest part of a server's message repeated in an ApiError's message (the body keeps it all). */
const MESSAGE_MAX = 512;

/** A Flight Control `Status` body (errors and delete results). */
export interface StatusBody {
  /** API version of the server that answered. */
  apiVersion?: string;
  /** `Status`. */
  kind?: string;
  /** HTTP status code the body describes. */
  code?: number;
  /** Human-readable description of the outcome. */
  message?: string;
  /** Short cause (the HTTP reason phrase from `@imagebuild/http`); may be empty. */
  reason?: string;
  /** `Success` or `Failure`; may be empty. */
  status?: string;
}

function isStatusBody(body: unknown): body is StatusBody {
  return typeof body === 'object' && body !== null && ('message' in body || 'code' in body);
}

/**
 * Builds core's `ApiError` from a failed response: keyed on the HTTP status, message and reason from
 * the `Status` body when there is one (raw text otherwise), the request id from `X-Request-Id`.
 */
export function apiErrorFrom(response: Response, body: unknown, operation: string): ApiError {
  const rawId = response.headers.get('X-Request-Id');
  const requestId = rawId === null ? undefined : escapeText(rawId, 128);
  let message: string;
  let reason = '';
  if (isStatusBody(body)) {
    message = (typeof body.message === 'string' && body.message) || response.statusText || `HTTP ${response.status}`;
    reason = typeof body.reason === 'string' ? escapeText(body.reason, 64) : '';
  } else if (typeof body === 'string' && body.trim()) {
    message = body.trim();
  } else {
    message = response.statusText || `HTTP ${response.status}`;
  }
  // The server's words are escaped and bounded: no forged log lines or terminal sequences.
  return new ApiError(
    response.status,
    `${escapeText(operation, 300)}: ${response.status} ${escapeText(message, MESSAGE_MAX)}`,
    {
      reason,
      body,
      ...(requestId ? { requestId } : {}),
    },
  );
}

/** openapi-fetch's result, narrowed: returns `data` or throws the ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }, operation: string): T {
  if (!result.response.ok || result.error !== undefined) throw apiErrorFrom(result.response, result.error, operation);
  return result.data as T;
}

/** True when `err` is an ApiError with the given HTTP status. */
export function isApiStatus(err: unknown, status: number): err is ApiError {
  return err instanceof ApiError && err.status === status;
}
