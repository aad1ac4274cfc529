import { pipeline } from 'node:stream/promises';
import { ConflictError } from '@imagebuild/core';
import { ApiError } from '@imagebuild/core/errors';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import type { HttpExchange } from '../internal/context.js';
import { parseRange } from '../range.js';
import { sendStatus } from '../internal/status.js';

/**
 * `GET /imageexports/{name}/download`: the export's disk image streamed straight from the registry
 * (no local copy), with `Content-Disposition` (`<build name><ext>`, as upstream), `Content-Length`,
 * `Docker-Content-Digest` and `ETag` (the artifact layer's digest) sent before the first byte, and
 * one `bytes=` Range (206, fetched from the registry at that offset; 416 when unsatisfiable;
 * `If-Range` honoured). Backpressure from the client paces the registry; a client that goes away
 * aborts the registry request. Not ready → 400, as upstream.
 */
export async function handleDownload(ctx: HttpExchange): Promise<void> {
  const { res, builder, headers, req, signal } = ctx;
  const name = ctx.route.name!;
  const ie = await builder.get('ImageExport', name);
  const ready = getReadyCondition(ie.status?.conditions);
  if (!ready) throw new ApiError(400, 'imageExport ready condition not found');
  if (ready.status !== 'True')
    throw new ApiError(400, `imageExport is not ready (status: ${ready.status}, reason: ${ready.reason})`);
  if (!ie.status?.manifestDigest) throw new ApiError(400, 'imageExport manifestDigest is not set');
  let artifact: Awaited<ReturnType<typeof builder.openExport>>;
  try {
    artifact = await builder.openExport(name, { signal });
  } catch (err) {
    if (err instanceof ConflictError) throw new ApiError(400, err.message, { cause: err });
    throw err;
  }
  try {
    const size = artifact.size;
    const etag = `"${artifact.digest}"`;
    const base = {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${artifact.filename}"`,
      'Docker-Content-Digest': artifact.digest,
      ETag: etag,
      'Accept-Ranges': 'bytes',
    };
    const ifRange = req.headers['if-range'];
    const rangeHeader =
      typeof req.headers.range === 'string' && (ifRange === undefined || ifRange === etag)
        ? req.headers.range
        : undefined;
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      return sendStatus(res, 416, `range not satisfiable for ${size} bytes`, {
        ...headers,
        'Content-Range': `bytes */${size}`,
      });
    }
    const start = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : size;
    // Open the registry stream first: a registry failure still gets a proper error status.
    const body = await artifact.open({ offset: start, length, signal });
    res.writeHead(range ? 206 : 200, {
      ...base,
      'Content-Length': String(length),
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    res.flushHeaders();
    try {
      await pipeline(body, res, { signal });
    } catch (err) {
      // Headers are out: a failure now (client gone, registry broke off, digest mismatch) can only cut the response.
      if (!res.destroyed) res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  } finally {
    await artifact.close();
  }
}
