import { ApiError } from '@imagebuild/core/errors';
import {
  UPSTREAM_EXPORT_FORMATS,
  isUpstreamExportFormat,
  parseImageBuildNewVersionRequest,
} from '@imagebuild/core/resources';
import { readJsonBody } from '../internal/body.js';
import type { HttpExchange } from '../internal/context.js';
import { boolParam, listParams } from '../internal/query.js';
import { sendJson, statusBody } from '../internal/status.js';

const KIND = { imagebuilds: 'ImageBuild', imageexports: 'ImageExport' } as const;

/** The body as an object of the route's kind (a missing `kind` is filled in; a different one is 400). */
function asKind(body: unknown, kind: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, `the body must be a JSON object (${kind})`);
  const obj = body as Record<string, unknown>;
  if (obj.kind === undefined) return { ...obj, kind };
  if (obj.kind !== kind) throw new ApiError(400, `kind: must be ${kind}`);
  return obj;
}

/** With `strictUpstream`, an export format a Flight Control server does not know is refused (400). */
function checkUpstreamFormat(body: Record<string, unknown>): void {
  const format = (body.spec as { format?: unknown } | undefined)?.format;
  if (typeof format === 'string' && !isUpstreamExportFormat(format))
    throw new ApiError(400, `spec.format: must be one of ${UPSTREAM_EXPORT_FORMATS.join(', ')} on this server`);
}

/** `/imagebuilds` and `/imageexports`: list, create, get, delete, cancel, newversion. */
export async function handleJobs(ctx: HttpExchange): Promise<void> {
  const { route, req, res, builder, url, headers } = ctx;
  const collection = route.collection as keyof typeof KIND;
  const kind = KIND[collection];
  const method = req.method ?? 'GET';
  const name = route.name;
  if (name === undefined) {
    if (method === 'GET') {
      const params = listParams(url);
      const list =
        kind === 'ImageBuild'
          ? await builder.list('ImageBuild', {
              ...params,
              withExports: boolParam(url, 'withExports'),
              signal: ctx.signal,
            })
          : await builder.list('ImageExport', { ...params, signal: ctx.signal });
      return sendJson(res, 200, list, headers);
    }
    const body = asKind((await readJsonBody(req, ctx.maxBodyBytes)).value, kind);
    if (ctx.strictUpstream && kind === 'ImageExport') checkUpstreamFormat(body);
    return sendJson(res, 201, await builder.create(body), headers);
  }
  switch (route.sub) {
    case 'cancel':
      return sendJson(res, 200, await builder.cancel(kind, name), headers);
    case 'newversion': {
      const body = parseImageBuildNewVersionRequest((await readJsonBody(req, ctx.maxBodyBytes)).value);
      const request = {
        newName: body.name,
        ...(body.sourceImageTag === undefined ? {} : { sourceImageTag: body.sourceImageTag }),
        ...(body.destinationImageTag === undefined ? {} : { destinationImageTag: body.destinationImageTag }),
      };
      return sendJson(res, 201, await builder.newVersion(name, request), headers);
    }
    default:
      break;
  }
  if (method === 'DELETE') {
    await builder.delete(kind, name);
    return sendJson(res, 200, statusBody(200, ''), headers);
  }
  const withExports = kind === 'ImageBuild' ? { withExports: boolParam(url, 'withExports') } : {};
  return sendJson(res, 200, await builder.get(kind, name, withExports), headers);
}
