import { STATUS_CODES, type ServerResponse } from 'node:http';
import { API_VERSION, AbortError, ConflictError, NotFoundError, TimeoutError, ValidationError } from '@imagebuild/core';
import { ApiError, IllegalTransitionError, RegistryError, redactText } from '@imagebuild/core/errors';
import { cleanMessage } from './echo.js';

/** A Flight Control `Status` body. */
export interface StatusBody {
  apiVersion: string;
  kind: 'Status';
  code: number;
  message: string;
  reason: string;
  status: 'Success' | 'Failure';
}

export function statusBody(code: number, message: string, apiVersion: string = API_VERSION): StatusBody {
  return {
    apiVersion,
    kind: 'Status',
    code,
    // Credentials redacted, control characters escaped, length bounded — whatever the message echoes.
    message: cleanMessage(redactText(message)),
    reason: STATUS_CODES[code] ?? '',
    status: code < 400 ? 'Success' : 'Failure',
  };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendStatus(
  res: ServerResponse,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  apiVersion?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, code, statusBody(code, message, apiVersion), headers);
}

/** The HTTP status for an SDK error: validation 400, not found 404, conflicts 409, registry 503. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError || err instanceof IllegalTransitionError) return 409;
  if (err instanceof ApiError) return err.status >= 400 && err.status < 600 ? err.status : 502;
  if (err instanceof RegistryError) return 503;
  if (err instanceof TimeoutError) return 504;
  if (err instanceof AbortError) return 503;
  return 500;
}

const oneLine = (text: string): string => text.replace(/\n/g, '\\n');

/**
 * The message for an error: validation issues one per line, as upstream joins them — a newline
 * inside an issue (an echoed value) is escaped, so every line of the message is one issue.
 */
export function messageOf(err: unknown): string {
  if (err instanceof ValidationError)
    return err.issues.map((i) => oneLine(i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
  return oneLine(err instanceof Error ? err.message : String(err));
}
