import { CORE_API_VERSION, ConflictError, NotFoundError, type Repository } from '@imagebuild/core';
import { ApiError, REDACTED } from '@imagebuild/core/errors';
import { readJsonBody } from '../internal/body.js';
import type { HttpExchange } from '../internal/context.js';
import { quote } from '../internal/echo.js';
import { applyJsonPatch, applyMergePatch } from '../internal/json-patch.js';
import { listParams } from '../internal/query.js';
import { sendJson, statusBody } from '../internal/status.js';

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';

/** Upstream promises `status.conditions` on every Repository it returns. */
function withStatus(repo: Repository): Repository {
  return { ...repo, status: { ...repo.status, conditions: repo.status?.conditions ?? [] } };
}

function asRepository(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'the body must be a JSON object (Repository)');
  const obj = body as Record<string, unknown>;
  if (obj.kind !== undefined && obj.kind !== 'Repository') throw new ApiError(400, 'kind: must be Repository');
  return { ...obj, kind: 'Repository' };
}

/** The body's `metadata.name` must be the one in the path (as upstream's replace and patch check). */
function checkName(obj: Record<string, unknown>, name: string): void {
  const got = (obj.metadata as { name?: unknown } | undefined)?.name;
  if (got !== name)
    throw new ApiError(
      400,
      `metadata.name: ${typeof got === 'string' ? quote(got) : 'missing'} must match the name in the path`,
    );
}

/**
 * Core API `/repositories`: list, create (`POST`), get, create-or-replace (`PUT`: 201 when it was
 * created, 200 when replaced — what `flightctl apply` sends), patch (`PATCH`, RFC 6902 JSON Patch
 * as upstream, or RFC 7386 merge patch) and delete.
 */
export async function handleRepositories(ctx: HttpExchange): Promise<void> {
  const { route, req, res, builder, url, headers } = ctx;
  const method = req.method ?? 'GET';
  const name = route.name;
  if (name === undefined) {
    if (method === 'GET') {
      const list = await builder.list('Repository', { ...listParams(url), signal: ctx.signal });
      return sendJson(res, 200, { ...list, items: list.items.map(withStatus) }, headers);
    }
    const obj = asRepository((await readJsonBody(req, ctx.maxBodyBytes)).value);
    const created = await builder.create(obj as never);
    return sendJson(res, 201, withStatus(created as Repository), headers);
  }
  if (method === 'DELETE') {
    await builder.delete('Repository', name);
    return sendJson(res, 200, statusBody(200, '', CORE_API_VERSION), headers);
  }
  if (method === 'PUT') {
    const obj = asRepository((await readJsonBody(req, ctx.maxBodyBytes)).value);
    checkName(obj, name);
    const exists = await builder.get('Repository', name).then(
      () => true,
      (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      },
    );
    if (!exists) {
      try {
        return sendJson(res, 201, withStatus((await builder.create(obj as never)) as Repository), headers);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err; // created meanwhile: replace it
      }
    }
    return sendJson(res, 200, withStatus((await builder.apply(obj as never)) as Repository), headers);
  }
  if (method === 'PATCH') {
    const { value, media } = await readJsonBody(req, ctx.maxBodyBytes, [JSON_PATCH, MERGE_PATCH]);
    const current = await builder.get('Repository', name);
    const patched = media === JSON_PATCH ? applyJsonPatch(current, value) : applyMergePatch(current, value);
    const obj = asRepository(patched);
    checkName(obj, name);
    // The stored password is sealed and answered masked: a patch that leaves it must not store the mask.
    const auth = (obj.spec as { ociAuth?: { password?: unknown } } | undefined)?.ociAuth;
    if (auth?.password === REDACTED)
      throw new ApiError(
        400,
        'spec.ociAuth.password: the stored password cannot be read back; include it in the patch, or use PUT',
      );
    const { status: _status, ...rest } = obj;
    return sendJson(res, 200, withStatus((await builder.apply(rest as never)) as Repository), headers);
  }
  return sendJson(res, 200, withStatus(await builder.get('Repository', name)), headers);
}
