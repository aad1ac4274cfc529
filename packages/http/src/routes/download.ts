import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ApiError, ConflictError, getReadyCondition } from '@imagebuild/core';
import type { RequestContext } from '../internal/context.js';
import { parseRange } from '../internal/range.js';
import { sendStatus } from '../internal/status.js';
import type { ArtifactCache } from './artifact-cache.js';

/**
 * `GET /imageexports/{name}/download`: the export's disk image with `Content-Disposition`
 * (`<build name><ext>`, as upstream), `Content-Length`, `Docker-Content-Digest`, and one `bytes=`
 * Range (206; 416 when unsatisfiable). Not ready → 400, as upstream.
 */
export async function handleDownload(ctx: RequestContext, cache: ArtifactCache): Promise<void> {
  const { res, builder, headers, req } = ctx;
  const name = ctx.route.name!;
  const ie = await builder.get('ImageExport', name);
  const ready = getReadyCondition(ie.status?.conditions);
  if (!ready) throw new ApiError(400, 'imageExport ready condition not found');
  if (ready.status !== 'True') throw new ApiError(400, `imageExport is not ready (status: ${ready.status}, reason: ${ready.reason})`);
  const digest = ie.status?.manifestDigest;
  if (!digest) throw new ApiError(400, 'imageExport manifestDigest is not set');
  let artifact;
  try {
    artifact = await cache.get(builder, name, digest);
  } catch (err) {
    if (err instanceof ConflictError) throw new ApiError(400, err.message, { cause: err });
    throw err;
  }
  const base = {
    ...headers,
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${artifact.filename}"`,
    'Docker-Content-Digest': artifact.digest,
    'Accept-Ranges': 'bytes',
  };
  const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, artifact.size);
  if (range === 'unsatisfiable') {
    return sendStatus(res, 416, `range not satisfiable for ${artifact.size} bytes`, { ...headers, 'Content-Range': `bytes */${artifact.size}` });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? artifact.size - 1;
  res.writeHead(range ? 206 : 200, {
    ...base,
    'Content-Length': String(Math.max(0, end - start + 1)),
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${artifact.size}` } : {}),
  });
  if (artifact.size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(artifact.file, { start, end }), res, { signal: ctx.signal }).catch((err: unknown) => {
    if (!ctx.signal.aborted) throw err;
  });
}
