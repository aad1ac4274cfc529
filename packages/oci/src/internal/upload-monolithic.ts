// A blob of known digest (a file or a buffer) in one `PUT ?digest=`: over a bare socket when the
// transport allows it, otherwise replayed from the start on each attempt.
import { type Readable, Transform } from 'node:stream';
import { RegistryError } from '@imagebuild/core/errors';
import { retrying } from '@imagebuild/core/retry';
import type { Descriptor } from '../types.js';
import type { UploadOptions } from '../upload-options.js';
import { writeFileRange } from './fast-io/file-body.js';
import { readErrorBody } from './registry-errors.js';
import { abortError, type Transport } from './transport.js';
import { headSize, OCTET, unknownSize, withDigest } from './upload-commit.js';
import { recoverable, restartLogger } from './upload-retry.js';
import { UploadSession } from './upload-session.js';

/**
 * Sends `body()` (or `file` over a bare socket) in one `PUT` to a session (`preopened` or a new one);
 * a failed attempt that left the blob there counts as done, otherwise the session is cancelled and
 * the whole upload retried in a new one.
 */
export async function monolithic(
  t: Transport,
  repo: string,
  body: () => Readable | Buffer,
  file: string | undefined,
  digest: string,
  size: number,
  mediaType: string,
  operation: string,
  opts: UploadOptions,
  preopened: UploadSession | undefined,
): Promise<Descriptor> {
  const signal = opts.signal;
  let session = preopened;
  const attempt = async (): Promise<Descriptor> => {
    try {
      session ??= await UploadSession.start(t, repo, signal, opts.onSession);
      if (!session) throw new RegistryError(t.registry, operation, 'no upload session');
      const current = session;
      let sent = 0;
      if (file !== undefined && t.rawBlobs) {
        // A file over a bare socket through two reused buffers (file-body.ts).
        await t.sendRaw({
          method: 'PUT',
          path: withDigest(current.location, digest),
          scope: `repository:${repo}:pull,push`,
          operation,
          headers: { 'content-type': OCTET, 'content-length': String(size) },
          signal,
          body: (socket) =>
            writeFileRange(socket, file, 0, size, (b) => {
              sent += b.length;
              opts.onProgress?.({ bytesDone: sent, bytesTotal: size });
            }),
        });
        current.committed();
        opts.onProgress?.({ bytesDone: size, bytesTotal: size });
        return { mediaType, digest, size };
      }
      const res = await t.send({
        method: 'PUT',
        path: withDigest(current.location, digest),
        scope: `repository:${repo}:pull,push`,
        operation,
        headers: { 'content-type': OCTET, 'content-length': String(size) },
        replayable: true,
        retryable: false,
        signal,
        body: () => {
          const b = body();
          if (Buffer.isBuffer(b)) return b;
          return b.pipe(
            new Transform({
              transform(chunk: Buffer, _e, cb) {
                sent += chunk.length;
                opts.onProgress?.({ bytesDone: sent, bytesTotal: size });
                cb(null, chunk);
              },
            }),
          );
        },
      });
      await readErrorBody(res.body);
      current.committed();
      opts.onProgress?.({ bytesDone: size, bytesTotal: size });
      return { mediaType, digest, size };
    } catch (err) {
      if (signal?.aborted) {
        await session?.cancel();
        throw abortError(signal, err);
      }
      if ((await headSize(t, repo, digest, signal).catch(unknownSize)) === size) {
        session?.committed();
        return { mediaType, digest, size };
      }
      await session?.cancel();
      session = undefined;
      throw err;
    }
  };
  try {
    return await retrying(t.retry, attempt, {
      signal,
      shouldRetry: recoverable,
      onRetry: restartLogger(t, operation),
    });
  } catch (err) {
    throw signal?.aborted ? abortError(signal, err) : err;
  }
}
