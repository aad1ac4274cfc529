import { ApiError } from '@imagebuild/core';

/** A Flight Control `Status` body (errors and delete results). */
export interface StatusBody {
  apiVersion?: string;
  kind?: string;
  code?: number;
  message?: string;
  reason?: string;
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
  const requestId = response.headers.get('X-Request-Id') ?? undefined;
  let message: string;
  let reason = '';
  if (isStatusBody(body)) {
    message = body.message || response.statusText || `HTTP ${response.status}`;
    reason = body.reason ?? '';
  } else if (typeof body === 'string' && body.trim()) {
    message = body.trim().slice(0, 2000);
  } else {
    message = response.statusText || `HTTP ${response.status}`;
  }
  return new ApiError(response.status, `${operation}: ${response.status} ${message}`, {
    reason,
    body,
    ...(requestId ? { requestId } : {}),
  });
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
