import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ApiError, LimitExceededError } from '@imagebuild/core/errors';

/**
 * The body with its `Content-Encoding` undone (we ask for identity; a server may still compress).
 * Every limit counts decoded bytes, so a compression bomb stops at the limit.
 */
export function decodedBody(res: IncomingMessage, what: string): Readable {
  const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (encoding === 'identity' || encoding === '') return res;
  if (!decoder) {
    res.destroy();
    throw new ApiError(0, `${what}: unsupported Content-Encoding (${encoding.slice(0, 32)})`);
  }
  return pipeline(res, decoder, () => undefined);
}

export function isEncoded(res: IncomingMessage): boolean {
  const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  return encoding !== 'identity' && encoding !== '';
}

/**
 * Reads a whole body of at most `max` bytes. Over the limit: throws LimitExceededError naming `limit`,
 * or (`truncate`) keeps the first `max` bytes; the connection is closed either way.
 */
export async function readBounded(
  body: Readable,
  max: number,
  limit: string,
  what: string,
  truncate: boolean,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > max) {
      body.destroy();
      if (!truncate) throw new LimitExceededError(limit, max, `${what}: response body too large`);
      chunks.push(chunk.subarray(0, max - size));
      return Buffer.concat(chunks);
    }
    size += chunk.length;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A pull-driven web stream over a node stream: a chunk is read only when the consumer asks (a slow
 * reader slows the socket, nothing piles up); `done` runs once when it ends, fails or is cancelled.
 */
export function toWebStream(body: Readable, done: () => void): ReadableStream<Uint8Array> {
  const it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let finished = false;
  const finish = (): void => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await it.next();
          if (next.done) {
            finish();
            controller.close();
          } else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
        } catch (err) {
          finish();
          controller.error(err);
        }
      },
      async cancel() {
        finish();
        body.destroy();
        // releasing the source after an error that is already being reported
        await it.return?.().catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
