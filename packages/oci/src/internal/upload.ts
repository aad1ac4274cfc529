import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { AbortError, RegistryError, SdkError, ValidationError } from '@imagebuild/core/errors';
import type { Descriptor } from '../types.js';
import type { BlobSource, UploadOptions } from '../upload-options.js';
import { HashingFileSource } from './hashing-source.js';
import { retrying, type RetryEvent } from '@imagebuild/core/retry';
import { discard, readErrorBody } from './registry-errors.js';
import { abortError, type Transport } from './transport.js';
import { UploadSession } from './upload-session.js';
import { tlsFailureCode } from './tls-errors.js';
import { writeFileRange } from './fast-io/file-body.js';

const OCTET = 'application/octet-stream';

/** Grace period for an in-flight chunk after an abort (registry 2.8 cannot cancel a session cut mid-chunk). */
const CHUNK_ABORT_GRACE_MS = 30_000;
const GRACEFUL_CHUNK_MAX = 64 * 1024 * 1024;

/**
 * A signal that follows `signal` after a grace period: an aborted chunked upload
 * lets the chunk in flight finish, so that the session is left consistent and
 * can be deleted (a cut chunk invalidates it on registry 2.8).
 */
function graceful(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  const inner = new AbortController();
  const onAbort = (): void => {
    setTimeout(() => inner.abort(signal.reason), CHUNK_ABORT_GRACE_MS).unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return inner.signal;
}

/** True when an upload failure may be recovered by resuming or starting over. */
function recoverable(err: unknown): boolean {
  if (err instanceof AbortError || err instanceof ValidationError) return false;
  if (err instanceof RegistryError) {
    if (tlsFailureCode(err)) return false;
    if (err.status === undefined) return true; // network
    if (err.status >= 500 || err.status === 408 || err.status === 429 || err.status === 416) return true;
    return err.ociCodes.includes('BLOB_UPLOAD_INVALID') || err.ociCodes.includes('BLOB_UPLOAD_UNKNOWN');
  }
  return !(err instanceof SdkError);
}

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

async function headSize(
  t: Transport,
  repo: string,
  digest: string,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const res = await t.send({
    method: 'HEAD',
    path: `/v2/${repo}/blobs/${digest}`,
    scope: `repository:${repo}:pull,push`,
    operation: `blob HEAD ${repo}@${digest}`,
    accept: [404],
    signal,
  });
  discard(res.body);
  if (res.status === 404) return undefined;
  const n = Number(res.headers['content-length']);
  return Number.isFinite(n) ? n : 0;
}

function withDigest(url: URL, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.href;
}

async function finish(
  t: Transport,
  repo: string,
  session: UploadSession,
  digest: string,
  size: number,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    const res = await t.send({
      method: 'PUT',
      path: withDigest(session.location, digest),
      scope: `repository:${repo}:pull,push`,
      operation,
      headers: { 'content-length': '0' },
      signal,
    });
    await readErrorBody(res.body);
  } catch (err) {
    // The commit may have happened even though the answer was lost.
    if (!(err instanceof AbortError) && (await headSize(t, repo, digest, signal).catch(unknownSize)) === size) {
      session.committed();
      return;
    }
    throw err;
  }
  session.committed();
}

async function monolithic(
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

async function chunkedFile(
  t: Transport,
  repo: string,
  path: string,
  size: number,
  mediaType: string,
  operation: string,
  opts: UploadOptions,
): Promise<Descriptor> {
  const signal = opts.signal;
  const chunkSize = Math.max(1, opts.chunkSize ?? Number.POSITIVE_INFINITY);
  let reported = 0;
  const src = new HashingFileSource(path, (pos) => {
    if (pos > reported) {
      reported = pos;
      opts.onProgress?.({ bytesDone: pos, bytesTotal: size });
    }
  });
  // Session restarts share a budget of twice the policy's attempts, each wait capped at the 4th backoff.
  const restarts = {
    retries: t.retry.retries * 2 + 1,
    baseDelayMs: t.retry.baseDelayMs,
    maxDelayMs: Math.min(t.retry.maxDelayMs, t.retry.baseDelayMs * 8),
  };
  const attempt = async (): Promise<Descriptor> => {
    let session: UploadSession | undefined;
    try {
      session = await UploadSession.start(t, repo, signal, opts.onSession);
      if (!session) throw new RegistryError(t.registry, operation, 'no upload session');
      const current = session;
      let offset = 0;
      while (offset < size) {
        if (signal?.aborted) throw abortError(signal);
        let failed: unknown;
        const sendChunk = async ({ attempt: n }: { attempt: number }): Promise<void> => {
          if (n > 1) {
            // Resume where the registry says the session is, if that is a place we can send from.
            const resumeAt = await current.offset(signal);
            if (resumeAt === undefined || resumeAt > src.hashedUpTo || resumeAt > size) throw new StartOver(failed);
            offset = resumeAt;
            t.log.info('resuming upload', { operation, offset });
          }
          const start = offset;
          const end = Math.min(offset + chunkSize, size);
          try {
            await patchChunk(t, current, repo, path, src, start, end, operation, signal);
          } catch (err) {
            failed = err;
            throw err;
          }
          offset = end;
        };
        await retrying(t.retry, sendChunk, {
          signal,
          shouldRetry: (err) => !(err instanceof StartOver) && !signal?.aborted && recoverable(err),
          onRetry: t.logRetry(operation),
        });
      }
      if (src.hashedUpTo !== size)
        throw new RegistryError(
          t.registry,
          operation,
          `file changed while uploading (${src.hashedUpTo} of ${size} bytes hashed)`,
        );
      const digest = src.digest();
      await finish(t, repo, session, digest, size, operation, signal);
      return { mediaType, digest, size };
    } catch (err) {
      await session?.cancel();
      if (signal?.aborted) throw abortError(signal, err);
      throw err instanceof StartOver ? err.cause : err;
    }
  };
  try {
    return await retrying(restarts, attempt, {
      signal,
      shouldRetry: recoverable,
      onRetry: restartLogger(t, operation),
    });
  } catch (err) {
    throw signal?.aborted ? abortError(signal, err) : err;
  }
}

/** One PATCH of `[start, end)` of the file to the session, over a bare socket or the general client. */
async function patchChunk(
  t: Transport,
  session: UploadSession,
  repo: string,
  path: string,
  src: HashingFileSource,
  start: number,
  end: number,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const patch = {
    path: session.location.href,
    scope: `repository:${repo}:pull,push`,
    operation,
    headers: {
      'content-type': OCTET,
      'content-length': String(end - start),
      'content-range': `${start}-${end - 1}`,
    },
    // A small chunk in flight may finish after an abort (keeps the session deletable); a whole-file PATCH stops at once.
    signal: end - start <= GRACEFUL_CHUNK_MAX ? graceful(signal) : signal,
  };
  if (t.rawBlobs) {
    const res = await t.sendRaw({
      ...patch,
      method: 'PATCH',
      body: (socket) => writeFileRange(socket, path, start, end, (b, p) => src.observe(b, p)),
    });
    session.advance(res.headers['location']);
    return;
  }
  const res = await t.send({
    ...patch,
    method: 'PATCH',
    body: () => src.read(start, end),
    replayable: true,
    retryable: false,
  });
  await readErrorBody(res.body);
  session.advance(res.headers['location']);
}

/** The registry's offset was no place to resume from: the upload starts again in a new session. */
class StartOver extends Error {
  constructor(cause: unknown) {
    super('upload session cannot be resumed', { cause });
  }
}

/** A `retrying` hook for whole-upload retries: the retry (warn) and the new session it opens (info). */
function restartLogger(t: Transport, operation: string): (e: RetryEvent) => void {
  const logRetry = t.logRetry(operation);
  return (e) => {
    logRetry(e);
    t.log.info('restarting upload session', { operation, attempt: e.retry + 1 });
  };
}

/** A HEAD that fails only means "not known to be there": the caller's own error is the one reported. */
const unknownSize = (): undefined => undefined;

async function streamed(
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
