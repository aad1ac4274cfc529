// RegistryClient.uploadBlob: skip a blob that is there, mount it from another repository, or
// pick the upload path — monolithic (digest known), chunked file or stream (digest computed).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ValidationError } from '@imagebuild/core/errors';
import type { Descriptor } from '../types.js';
import type { BlobSource, UploadOptions } from '../upload-options.js';
import type { Transport } from './transport.js';
import { chunkedFile } from './upload-chunked.js';
import { headSize, OCTET } from './upload-commit.js';
import { monolithic } from './upload-monolithic.js';
import { UploadSession } from './upload-session.js';
import { streamed } from './upload-streamed.js';

/** Uploads `source` to `repo` and returns its descriptor (see `RegistryClient.uploadBlob`). */
export async function uploadBlob(
  t: Transport,
  repo: string,
  source: BlobSource,
  opts: UploadOptions,
): Promise<Descriptor> {
  const mediaType = opts.mediaType ?? OCTET;
  const signal = opts.signal;
  let size = opts.size;
  if (!Buffer.isBuffer(source) && 'file' in source) {
    const st = await stat(source.file).catch((err: unknown) => {
      throw new ValidationError([{ path: 'file', message: `cannot be read: ${(err as Error).message}` }]);
    });
    if (size !== undefined && size !== st.size)
      throw new ValidationError([{ path: 'size', message: `is ${size} but the file has ${st.size} bytes` }]);
    size = st.size;
  } else if (Buffer.isBuffer(source)) {
    size = source.length;
  }
  const progress = (done: number): void => opts.onProgress?.({ bytesDone: done, bytesTotal: size });
  const digest =
    opts.digest ??
    (Buffer.isBuffer(source) ? `sha256:${createHash('sha256').update(source).digest('hex')}` : undefined);
  const operation = `blob upload ${repo}${digest ? `@${digest}` : ''}`;

  if (digest) {
    const present = await headSize(t, repo, digest, signal);
    if (present !== undefined) {
      progress(present);
      return { mediaType, digest, size: present };
    }
  }
  let preopened: UploadSession | undefined;
  if (digest && opts.mountFrom) {
    preopened = await UploadSession.start(t, repo, signal, opts.onSession, { digest, from: opts.mountFrom });
    if (!preopened) {
      const mounted = await headSize(t, repo, digest, signal);
      progress(mounted ?? size ?? 0);
      return { mediaType, digest, size: mounted ?? size ?? 0 };
    }
  }
  if (Buffer.isBuffer(source) || ('file' in source && digest && !opts.chunked)) {
    const body = Buffer.isBuffer(source)
      ? (): Buffer => source
      : (): Readable => createReadStream(source.file, { highWaterMark: 1024 * 1024 });
    const file = Buffer.isBuffer(source) ? undefined : source.file;
    return monolithic(t, repo, body, file, digest as string, size ?? 0, mediaType, operation, opts, preopened);
  }
  if (preopened) await preopened.cancel();
  if ('file' in source) return chunkedFile(t, repo, source.file, size ?? 0, mediaType, operation, opts);
  return streamed(t, repo, source.stream, mediaType, operation, opts);
}
