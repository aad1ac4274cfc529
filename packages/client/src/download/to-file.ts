import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open as openFile, rename, rm, stat } from 'node:fs/promises';
import { ApiError, DigestMismatchError } from '@imagebuild/core/errors';
import { openDownload, type DownloadOpener, type DownloadStreamOptions } from './download.js';

/** Options of `imageExports.downloadToFile()`. */
export interface DownloadToFileOptions extends DownloadStreamOptions {
  /** Continue a `<path>.part` left by an earlier attempt (when the server honours Range). Default true. */
  resume?: boolean;
}

/** What `imageExports.downloadToFile()` wrote. */
export interface DownloadToFileResult {
  /** The file written (the `path` given). */
  path: string;
  /** Size of the whole file. */
  bytes: number;
  /** `sha256:<hex>` of the file (verified against the server's digest when it sent one). */
  digest: string;
  /** The server's suggested file name (`Content-Disposition`). */
  filename: string | undefined;
  /** Bytes reused from an earlier partial download. */
  resumedFrom: number;
}

async function hashFile(path: string, algorithm: string): Promise<Hash> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

/**
 * Downloads into `path` through `<path>.part` (renamed when complete and verified). A `.part` from
 * an earlier attempt is continued with Range; if the server answers 200 instead, it starts over.
 * A broken-off download leaves the `.part` for the next attempt; a digest mismatch removes it.
 */
export async function downloadToFile(
  open: DownloadOpener,
  operation: string,
  path: string,
  options: DownloadToFileOptions = {},
): Promise<DownloadToFileResult> {
  const part = `${path}.part`;
  const start =
    options.resume === false
      ? 0
      : await stat(part).then(
          (s) => s.size,
          () => 0,
        );
  const prefix = start > 0 ? (algorithm: string) => hashFile(part, algorithm) : undefined;
  const session = await openDownload(open, operation, start, prefix, options);
  const file = await openFile(part, start > 0 && !session.restarted ? 'a' : 'w');
  try {
    for await (const chunk of session.chunks) await file.write(chunk);
  } catch (err) {
    await file.close();
    // A corrupt partial file (wrong digest, more bytes than announced, or a decoded body whose bytes
    // no Range can continue) would fail every later resume: drop it. A break-off keeps it.
    const corrupt =
      err instanceof DigestMismatchError ||
      (err instanceof ApiError && err.details.receivedBytes !== undefined) ||
      !session.resumable;
    if (corrupt) await rm(part, { force: true });
    throw err;
  }
  await file.close();
  const done = session.completed;
  if (!done) throw new Error('download finished without verification'); // unreachable: chunks() sets it
  await rename(part, path);
  return {
    path,
    bytes: done.bytes,
    digest: done.digest,
    filename: session.info.filename,
    resumedFrom: done.resumedFrom,
  };
}
