import { createHash, type Hash } from 'node:crypto';
import { AbortError, ValidationError } from '@imagebuild/core';
import { ApiError, DigestMismatchError, echo } from '@imagebuild/core/errors';
import { hasControlCharacters } from '@imagebuild/core/resources';
import type { CallOptions, TransferProgress } from '@imagebuild/core/operation';
import { apiErrorFrom } from '../errors.js';
import { wasDecoded } from '../internal/transport.js';
import { sleep } from '../internal/retry.js';

/** Options of `imageExports.download()` (a stream of the artifact's bytes). */
export interface DownloadStreamOptions extends CallOptions {
  /** Called as bytes arrive: bytes held (a resumed prefix included) and the size when the server said it. */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * `sha256:<hex>` or `sha512:<hex>` the artifact must have (checked in addition to
   * `Docker-Content-Digest`). Any other algorithm is refused, never silently skipped.
   */
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

/** A download under way: what the server announced, and the bytes to iterate. */
export interface DownloadSession {
  /** What the server said about the artifact. */
  info: DownloadInfo;
  /** The bytes from `start` to the end; size and digest are verified when the iteration finishes. */
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
  /** Set once `chunks` has finished and verified: `{ bytes, digest }` of the whole artifact. */
  readonly completed: { bytes: number; digest: string; resumedFrom: number } | undefined;
  /** True when the server could not continue from `start` and the transfer begins at byte 0. */
  readonly restarted: boolean;
  /** False when a later attempt could not continue these bytes with Range (a decoded body). */
  readonly resumable: boolean;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha512: 128 };

/**
 * The server's file name, as a bare name a caller can join to a directory: a malformed `filename*`
 * falls back to `filename` (never a raw URIError); directories, control characters and `.`/`..` are
 * dropped, and it is cut to 255 characters.
 */
export function filenameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return safeName(decodeURIComponent(star[1]));
    } catch {
      // percent-encoding broken: use the plain name, if any
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1] === undefined ? undefined : safeName(plain[1]);
}

function safeName(name: string): string | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const clean = hasControlCharacters(base) ? undefined : base.trim().slice(0, 255);
  return clean && clean !== '.' && clean !== '..' ? clean : undefined;
}

/** The algorithm of `alg:hex`, checked: only sha256 and sha512 are verified, anything else is refused. */
function digestAlgorithm(digest: string, field: string, operation: string, fromServer: boolean): string {
  const colon = digest.indexOf(':');
  const alg = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon > 0 && DIGEST_HEX[alg] === hex.length && /^[0-9a-f]+$/.test(hex)) return alg;
  const rule = 'must be sha256:<64 hex> or sha512:<128 hex> (other algorithms cannot be verified)';
  if (fromServer) throw new ApiError(0, `${operation}: ${field} ${echo(digest)} ${rule}`);
  throw new ValidationError([{ path: field, message: rule }], { subject: operation });
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
  prefixHash: ((algorithm: string) => Promise<Hash>) | undefined,
  options: DownloadStreamOptions,
): Promise<DownloadSession> {
  if (options.expectedDigest !== undefined) digestAlgorithm(options.expectedDigest, 'expectedDigest', operation, false);
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
  if (first.response.status === 200 && start > 0) {
    restarted = true;
    offset = 0;
    prefixHash = undefined;
  }
  const serverDigest = first.response.headers.get('Docker-Content-Digest') ?? undefined;
  if (serverDigest !== undefined) {
    try {
      digestAlgorithm(serverDigest, 'Docker-Content-Digest', operation, true);
    } catch (err) {
      // releasing the connection; the error rethrown below is what the caller gets
      await first.response.body?.cancel().catch(() => undefined);
      throw err;
    }
  }
  // A body the transport decoded (the server compressed it although we asked for identity): its
  // Content-Length and ranges count encoded bytes, so neither sizes nor resumes apply; digests still do.
  const decoded = wasDecoded(first.response);
  const info: DownloadInfo = {
    filename: filenameOf(first.response.headers.get('Content-Disposition')),
    size: decoded ? undefined : totalSize(first.response),
    digest: serverDigest ?? options.expectedDigest,
  };
  const expected = [...new Set([serverDigest, options.expectedDigest])].filter((d): d is string => d !== undefined);
  const algorithms = new Set(['sha256', ...expected.map((d) => d.slice(0, d.indexOf(':')))]);
  const hashes = new Map<string, Hash>();
  for (const alg of algorithms) hashes.set(alg, prefixHash ? await prefixHash(alg) : createHash(alg));
  const acceptsRanges =
    !decoded &&
    (first.response.status === 206 || (first.response.headers.get('Accept-Ranges') ?? '').includes('bytes'));
  const maxResumes = options.maxResumes ?? 3;

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    let current = (first.data as ReadableStream<Uint8Array> | null | undefined) ?? first.response.body;
    let resumes = 0;
    for (;;) {
      try {
        if (current) {
          for await (const chunk of current as unknown as AsyncIterable<Uint8Array>) {
            for (const h of hashes.values()) h.update(chunk);
            offset += chunk.byteLength;
            options.onProgress?.({ bytesDone: offset, bytesTotal: info.size });
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
      throw new ApiError(0, `${operation}: received ${offset} bytes, expected ${info.size}`, {
        details: { receivedBytes: offset, expectedBytes: info.size },
      });
    }
    const actual = new Map([...hashes].map(([alg, h]) => [alg, `${alg}:${h.digest('hex')}`]));
    for (const digest of expected) {
      const got = actual.get(digest.slice(0, digest.indexOf(':')))!;
      if (digest !== got) throw new DigestMismatchError(digest, got);
    }
    completed = { bytes: offset, digest: actual.get('sha256')!, resumedFrom };
  }
  let completed: DownloadSession['completed'];
  const resumedFrom = offset;
  return {
    info,
    chunks: chunks(),
    restarted,
    resumable: !decoded,
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
