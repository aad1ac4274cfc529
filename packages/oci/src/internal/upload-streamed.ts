// A stream in one `PATCH`, hashed while it is sent. A stream cannot be replayed:
// there is no resume and no retry, a failure cancels the session.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { RegistryError, ValidationError } from '@imagebuild/core/errors';
import type { Descriptor } from '../types.js';
import type { UploadOptions } from '../upload-options.js';
import { readErrorBody } from './registry-errors.js';
import { abortError, type Transport } from './transport.js';
import { finish, OCTET } from './upload-commit.js';
import { UploadSession } from './upload-session.js';

/** Uploads `stream` and commits it under the digest computed on the way (checked against `opts.digest`). */
export async function streamed(
  t: Transport,
  repo: string,
  stream: Readable | AsyncIterable<Uint8Array>,
  mediaType: string,
  operation: string,
  opts: UploadOptions,
): Promise<Descriptor> {
  const signal = opts.signal;
  const hash = createHash('sha256');
  let size = 0;
  const session = await UploadSession.start(t, repo, signal, opts.onSession);
  if (!session) throw new RegistryError(t.registry, operation, 'no upload session');
  try {
    const source = stream instanceof Readable ? stream : Readable.from(stream);
    const tap = source.pipe(
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk);
          size += chunk.length;
          opts.onProgress?.({ bytesDone: size, bytesTotal: opts.size });
          cb(null, chunk);
        },
      }),
    );
    const res = await t.send({
      method: 'PATCH',
      path: session.location.href,
      scope: `repository:${repo}:pull,push`,
      operation,
      headers: { 'content-type': OCTET, ...(opts.size !== undefined ? { 'content-length': String(opts.size) } : {}) },
      body: () => tap,
      retryable: false,
      signal,
    });
    await readErrorBody(res.body);
    session.advance(res.headers['location']);
    const digest = `sha256:${hash.digest('hex')}`;
    if (opts.digest && opts.digest !== digest)
      throw new ValidationError([{ path: 'digest', message: `is ${opts.digest} but the stream hashes to ${digest}` }]);
    await finish(t, repo, session, digest, size, operation, signal);
    return { mediaType, digest, size };
  } catch (err) {
    await session.cancel();
    if (signal?.aborted) throw abortError(signal, err);
    throw err;
  }
}
