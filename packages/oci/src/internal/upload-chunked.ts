// A file of unknown digest in `PATCH` chunks (by default one), hashed while it is sent; a failed
// chunk resumes from the registry's offset, a session that cannot resume is replaced by a new one.
import { RegistryError } from '@imagebuild/core/errors';
import { retrying } from '@imagebuild/core/retry';
import type { Descriptor } from '../types.js';
import type { UploadOptions } from '../upload-options.js';
import { writeFileRange } from './fast-io/file-body.js';
import { HashingFileSource } from './hashing-source.js';
import { readErrorBody } from './registry-errors.js';
import { abortError, type Transport } from './transport.js';
import { finish, OCTET } from './upload-commit.js';
import { recoverable, restartLogger } from './upload-retry.js';
import { UploadSession } from './upload-session.js';

/** Uploads the file at `path` (`size` bytes) and commits it under the digest computed on the way. */
export async function chunkedFile(
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

/** Grace period for an in-flight chunk after an abort (registry 2.8 cannot cancel a session cut mid-chunk). */
const CHUNK_ABORT_GRACE_MS = 30_000;
/** Chunks up to this size get the grace period; a larger one (a whole file) stops at once. */
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

/** The registry's offset was no place to resume from: the upload starts again in a new session. */
class StartOver extends Error {
  constructor(cause: unknown) {
    super('upload session cannot be resumed', { cause });
  }
}
