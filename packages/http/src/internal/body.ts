import type { IncomingMessage } from 'node:http';
import { ApiError } from '@imagebuild/core';

/**
 * Reads a JSON request body of at most `max` bytes: 413 when larger (by Content-Length or while
 * reading), 400 `can't decode JSON body: …` when it is not JSON.
 */
export async function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
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
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, `can't decode JSON body: ${(err as Error).message}`);
  }
}
