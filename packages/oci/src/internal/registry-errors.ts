import { RegistryError, escapeText } from '@imagebuild/core/errors';
import type { Readable } from 'node:stream';

const MAX_ERROR_BODY = 64 * 1024;

/** Reads at most 64 KiB of an error body, then discards the rest. */
export async function readErrorBody(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < MAX_ERROR_BODY) chunks.push(chunk.subarray(0, MAX_ERROR_BODY - size));
      size += chunk.length;
      if (size >= MAX_ERROR_BODY) break;
    }
  } catch {
    // a broken error body is not worth a second error
  } finally {
    discard(body);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const noop = (): void => undefined;

/** Drops a response body without an unhandled 'error' (undici errors on destroy). */
export function discard(body: Readable): void {
  body.on('error', noop);
  if (!body.destroyed) body.destroy();
}

interface OciErrorBody {
  errors?: Array<{ code?: unknown; message?: unknown }>;
}

/** Builds a RegistryError from a failed response: status, OCI error codes and messages. */
export function registryErrorFromResponse(
  registry: string,
  operation: string,
  status: number,
  contentType: string | undefined,
  text: string,
): RegistryError {
  const codes: string[] = [];
  const messages: string[] = [];
  let parsed: OciErrorBody | undefined;
  try {
    parsed = text ? (JSON.parse(text) as OciErrorBody) : undefined;
  } catch {
    parsed = undefined; // not the spec's JSON error body: summarised below by status and length
  }
  if (parsed && Array.isArray(parsed.errors)) {
    for (const e of parsed.errors) {
      // A registry's words are escaped and bounded before they reach a message (no forged log lines).
      if (typeof e.code === 'string') codes.push(escapeText(e.code, 64));
      if (typeof e.message === 'string' && e.message) messages.push(escapeText(e.message, 300));
      if (codes.length >= 16) break;
    }
  }
  let detail: string;
  if (codes.length > 0) {
    detail = codes.map((c, i) => (messages[i] ? `${c} (${messages[i]})` : c)).join(', ');
  } else if (text && !parsed) {
    detail = `unexpected response body (${escapeText(contentType ?? 'no content type', 64)}, ${text.length} bytes)`;
  } else {
    detail = statusText(status);
  }
  return new RegistryError(registry, operation, `HTTP ${status}: ${detail}`, { status, ociCodes: codes });
}

function statusText(status: number): string {
  switch (status) {
    case 401:
      return 'unauthorized (credentials missing or rejected)';
    case 403:
      return 'forbidden';
    case 404:
      return 'not found';
    case 405:
      return 'method not allowed';
    case 416:
      return 'range not satisfiable';
    default:
      return status >= 500 ? 'server error' : 'unexpected status';
  }
}
