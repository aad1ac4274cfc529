import type { IncomingMessage } from 'node:http';
import { ApiError } from '@imagebuild/core/errors';
import { quote } from './echo.js';
import { JsonCheckError, checkJson } from './json-check.js';

/**
 * The media type of a request body, lower-cased, without parameters; 415 unless it is one of
 * `accepted` (a `charset` other than UTF-8 is refused too — the body is read as UTF-8).
 */
export function requireMediaType(req: IncomingMessage, accepted: readonly string[]): string {
  const header = req.headers['content-type'] ?? '';
  const [type = '', ...params] = header.split(';');
  const media = type.trim().toLowerCase();
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  const okCharset = charset === undefined || /^charset="?utf-?8"?$/.test(charset);
  if (!accepted.includes(media) || !okCharset) {
    req.resume();
    const got = header === '' ? 'no Content-Type' : `Content-Type ${quote(header, 64)}`;
    throw new ApiError(415, `unsupported media type: ${got}; send ${accepted.join(' or ')}`);
  }
  return media;
}

/**
 * Reads a JSON request body of at most `max` bytes: 415 unless it is `application/json` (or one of
 * `accepted`), 413 when larger (by Content-Length or while reading), 400 `can't decode JSON body: …`
 * when it is not JSON or repeats a key — naming the position or the key's path, never quoting
 * the body. Returns the parsed value and the media type.
 */
export async function readJsonBody(
  req: IncomingMessage,
  max: number,
  accepted: readonly string[] = ['application/json'],
): Promise<{ value: unknown; media: string }> {
  const media = requireMediaType(req, accepted);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    throw new ApiError(413, `request body of ${declared} bytes exceeds the limit of ${max} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      throw new ApiError(413, `request body exceeds the limit of ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    checkJson(text);
    return { value: JSON.parse(text) as unknown, media };
  } catch (err) {
    // V8's own message quotes the input: only our checker's words go out.
    const why = err instanceof JsonCheckError ? err.message : 'not valid JSON';
    throw new ApiError(400, `can't decode JSON body: ${why}`);
  }
}
