import { LimitExceededError, RegistryError } from '@imagebuild/core/errors';
import type { Readable } from 'node:stream';
import { discard } from './registry-errors.js';

/** Reads a whole (small) body, refusing more than `limit` bytes (`maxManifestBytes`) with LimitExceededError. */
export async function readLimited(body: Readable, limit: number, registry: string, operation: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      discard(body);
      throw new LimitExceededError('maxManifestBytes', limit, `${operation} on ${registry}: response body too large`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses JSON from a registry response, or throws a RegistryError naming the operation. */
export function parseJson<T>(bytes: Buffer, registry: string, operation: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new RegistryError(registry, operation, `response is not valid JSON (${bytes.length} bytes)`);
  }
}
