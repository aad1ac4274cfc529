import { createHash, type Hash } from 'node:crypto';
import { AbortError, ApiError, DigestMismatchError } from '@imagebuild/core';
import { apiErrorFrom } from '../errors.js';
import { sleep } from '../internal/retry.js';

export interface DownloadProgress {
  /** Bytes of the artifact now held (including a resumed prefix). */
  received: number;
  /** Total size when the server said it. */
  total: number | undefined;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** `sha256:<hex>` the artifact must have (checked in addition to `Docker-Content-Digest`). */
  expectedDigest?: string;
  /** Resume attempts after the transfer breaks off, using `Range` when the server honours it. Default 3. */
  maxResumes?: number;
}

/** Opens the download endpoint, with a `Range` header when given. */
export type DownloadOpener = (
  range: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** What the server said about the artifact (from the first response). */
export interface DownloadInfo {
  /** From `Content-Disposition`. */
  filename: string | undefined;
  /** Whole size, from `Content-Length` or `Content-Range`. */
  size: number | undefined;
  /** From `Docker-Content-Digest` (or `expectedDigest`). */
  digest: string | undefined;
}

export interface DownloadSession {
  info: DownloadInfo;
  /** The bytes from `start` to the end; size and digest are verified when the iteration finishes. */
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
  /** Set once `chunks` has finished and verified: `{ bytes, digest }` of the whole artifact. */
  readonly completed: { bytes: number; digest: string; resumedFrom: number } | undefined;
  /** True when the server could not continue from `start` and the transfer begins at byte 0. */
  readonly restarted: boolean;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function filenameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1];
}

/**
 * Starts a download at byte `start` (resuming a partial file whose first `start` bytes were fed to
 * `prefixHash`). Honours Range (206) when the server does; on 200 the caller must restart from 0
 * (`restarted`). Breaks in the transfer are resumed with Range.
 */
export async function openDownload(
  open: DownloadOpener,
  operation: string,
  start: number,
  prefixHash: Hash | undefined,
  options: DownloadOptions,
): Promise<DownloadSession> {
  let restarted = false;
  let first = await request(open, operation, start, options.signal);
  if (first.response.status === 416) {
    // The partial file is not a prefix the server can continue (or is already whole): start over.
    await first.response.body?.cancel().catch(() => undefined);
    restarted = true;
    start = 0;
    prefixHash = undefined;
    first = await request(open, operation, 0, options.signal);
  }
  let offset = start;
  let hash = prefixHash ?? createHash('sha256');
  if (first.response.status === 200 && start > 0) {
    restarted = true;
    offset = 0;
    hash = createHash('sha256');
  }
  const info: DownloadInfo = {
    filename: filenameOf(first.response.headers.get('Content-Disposition')),
    size: totalSize(first.response),
    digest: first.response.headers.get('Docker-Content-Digest') ?? options.expectedDigest,
  };
  const acceptsRanges =
    first.response.status === 206 || (first.response.headers.get('Accept-Ranges') ?? '').includes('bytes');
  const maxResumes = options.maxResumes ?? 3;

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    let current = (first.data as ReadableStream<Uint8Array> | null | undefined) ?? first.response.body;
    let resumes = 0;
    for (;;) {
      try {
        if (current) {
          for await (const chunk of current as unknown as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            offset += chunk.byteLength;
            options.onProgress?.({ received: offset, total: info.size });
            yield chunk;
          }
        }
        if (info.size === undefined || offset >= info.size) break;
        throw new Error(`transfer ended at byte ${offset} of ${info.size}`);
      } catch (err) {
        if (options.signal?.aborted) throw new AbortError(`${operation} aborted`, { cause: err });
        if (err instanceof ApiError && err.status >= 400) throw err;
        if (!acceptsRanges || resumes >= maxResumes) {
          throw new ApiError(
            0,
            `${operation}: transfer broke off at byte ${offset}${acceptsRanges ? '' : ' (server does not honour Range)'}`,
            {
              cause: err,
            },
          );
        }
        resumes++;
        await sleep(250 * resumes, options.signal).catch((e: unknown) => {
          throw new AbortError(`${operation} aborted`, { cause: e });
        });
        const next = await request(open, operation, offset, options.signal);
        if (next.response.status !== 206)
          throw new ApiError(next.response.status, `${operation}: server ignored Range on resume`);
        current = (next.data as ReadableStream<Uint8Array> | null | undefined) ?? next.response.body;
      }
    }
    if (info.size !== undefined && offset !== info.size) {
      throw new ApiError(0, `${operation}: received ${offset} bytes, expected ${info.size}`);
    }
    const actual = `sha256:${hash.digest('hex')}`;
    for (const expected of new Set([info.digest, options.expectedDigest])) {
      if (expected && expected.startsWith('sha256:') && expected !== actual)
        throw new DigestMismatchError(expected, actual);
    }
    completed = { bytes: offset, digest: actual, resumedFrom };
  }
  let completed: DownloadSession['completed'];
  const resumedFrom = offset;
  return {
    info,
    chunks: chunks(),
    restarted,
    get completed() {
      return completed;
    },
  };
}

async function request(
  open: DownloadOpener,
  operation: string,
  start: number,
  signal: AbortSignal | undefined,
): ReturnType<DownloadOpener> {
  const r = await open(start > 0 ? `bytes=${start}-` : undefined, signal);
  if (r.response.status === 416) return r; // caller decides (a complete partial file)
  if (!r.response.ok) throw apiErrorFrom(r.response, r.error, operation);
  return r;
}

function totalSize(response: Response): number | undefined {
  const range = CONTENT_RANGE.exec(response.headers.get('Content-Range') ?? '');
  if (response.status === 206 && range) return range[3] === '*' ? undefined : Number(range[3]);
  const length = response.headers.get('Content-Length');
  return length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
}
