import { ApiError, type Repository } from '@imagebuild/core';
import { readJsonBody } from '../internal/body.js';
import type { RequestContext } from '../internal/context.js';
import { listParams } from '../internal/query.js';
import { sendJson, statusBody } from '../internal/status.js';

export const CORE_API_VERSION = 'flightctl.io/v1beta1';

/** Upstream promises `status.conditions` on every Repository it returns. */
function withStatus(repo: Repository): Repository {
  return { ...repo, status: { ...repo.status, conditions: repo.status?.conditions ?? [] } };
}

/** Core API `/repositories`: list, create, get, delete (OCI repositories of the local builder). */
export async function handleRepositories(ctx: RequestContext): Promise<void> {
  const { route, req, res, builder, url, headers } = ctx;
  const method = req.method ?? 'GET';
  if (route.name === undefined) {
    if (method === 'GET') {
      const list = await builder.list('Repository', { ...listParams(url), signal: ctx.signal });
      return sendJson(res, 200, { ...list, items: list.items.map(withStatus) }, headers);
    }
    const body = await readJsonBody(req, ctx.maxBodyBytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiError(400, 'the body must be a JSON object (Repository)');
    const obj = body as Record<string, unknown>;
    if (obj.kind !== undefined && obj.kind !== 'Repository') throw new ApiError(400, 'kind: must be Repository');
    const created = await builder.create({ ...obj, kind: 'Repository' } as never);
    return sendJson(res, 201, withStatus(created as Repository), headers);
  }
  if (method === 'DELETE') {
    await builder.delete('Repository', route.name);
    return sendJson(res, 200, statusBody(200, '', CORE_API_VERSION), headers);
  }
  return sendJson(res, 200, withStatus(await builder.get('Repository', route.name)), headers);
}
