import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@imagebuild/core';
import type { BuilderApi, RequestContext } from './internal/context.js';
import { allowedMethods, matchRoute } from './internal/router.js';
import { httpStatusOf, messageOf, sendStatus } from './internal/status.js';
import { DEFAULT_MAX_BODY_BYTES, type ImageBuilderHandlerOptions } from './options.js';
import { handleDownload } from './routes/download.js';
import { handleJobs } from './routes/jobs.js';
import { handleLogs } from './routes/logs.js';
import { handleSbom } from './routes/sbom.js';
import { CORE_API_VERSION, handleRepositories } from './routes/repositories.js';

export const API_VERSION_HEADER = 'flightctl-api-version';
export const SUPPORTED_VERSIONS_HEADER = 'Flightctl-API-Versions-Supported';

/** A `node:http` request listener (mounts in express, fastify's raw handler, or `http.createServer`). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves the Flight Control image-builder API (v1alpha1) — and, unless turned off, the core API's
 * `/repositories` — over a local `ImageBuilder`: upstream's status codes and `Status` bodies,
 * `Flightctl-API-Version` negotiation (406), SSE logs with resumable `id:`s, downloads streamed from the registry with Range,
 * an auth hook (401) and a body limit (413). Image promotions need a catalog and answer 501.
 */
export function createImageBuilderHandler(
  builder: BuilderApi,
  options: ImageBuilderHandlerOptions = {},
): RequestHandler {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const serveRepositories = options.serveRepositories ?? true;
  const keepAliveMs = options.keepAliveMs ?? 15_000;

  return (req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, messageOf(err));
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : randomUUID();
    const url = new URL(req.url ?? '/', 'http://adapter.invalid');
    let pathname = url.pathname;
    if (basePath) {
      if (pathname !== basePath && !pathname.startsWith(`${basePath}/`))
        return sendStatus(res, 404, `${pathname} not found`, { 'X-Request-Id': requestId });
      pathname = pathname.slice(basePath.length) || '/';
    }
    if (pathname === '/healthz' || pathname === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Request-Id': requestId });
      res.end('OK');
      return;
    }
    const route = matchRoute(pathname);
    const core = route?.collection === 'repositories';
    const version = core ? 'v1beta1' : 'v1alpha1';
    const apiVersion = core ? CORE_API_VERSION : 'flightctl.io/v1alpha1';
    const headers: Record<string, string> = {
      'Flightctl-API-Version': version,
      Vary: 'Flightctl-API-Version',
      'X-Request-Id': requestId,
    };
    const fail = (code: number, message: string, extra: Record<string, string> = {}): void =>
      sendStatus(res, code, message, { ...headers, ...extra }, apiVersion);

    if (!route || (core && !serveRepositories)) return fail(404, `${pathname} not found`);
    const requested = req.headers[API_VERSION_HEADER];
    if (typeof requested === 'string' && requested !== '' && requested !== version) {
      return fail(406, `API version ${requested} is not supported; supported: ${version}`, {
        [SUPPORTED_VERSIONS_HEADER]: version,
      });
    }
    if (options.auth) {
      let allowed = false;
      try {
        allowed = await options.auth(req);
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) return fail(err.status, err.message);
        allowed = false;
      }
      if (!allowed) return fail(401, 'authentication required', { 'WWW-Authenticate': 'Bearer' });
    }
    const method = req.method ?? 'GET';
    const allowed = allowedMethods(route);
    if (!allowed.includes(method))
      return fail(405, `${method} is not allowed on ${pathname}`, { Allow: allowed.join(', ') });
    if (route.collection === 'imagepromotions')
      return fail(501, 'ImagePromotion needs a Flight Control catalog; this server has none');

    const controller = new AbortController();
    res.once('close', () => controller.abort(new Error('client went away')));
    const ctx: RequestContext = { req, res, route, url, builder, signal: controller.signal, headers, maxBodyBytes };
    try {
      if (route.collection === 'repositories') await handleRepositories(ctx);
      else if (route.sub === 'log') await handleLogs(ctx, keepAliveMs);
      else if (route.sub === 'download') await handleDownload(ctx);
      else if (route.sub === 'sbom' || route.sub === 'sboms') await handleSbom(ctx);
      else await handleJobs(ctx);
    } catch (err) {
      if (controller.signal.aborted && res.destroyed) return;
      fail(httpStatusOf(err), messageOf(err));
    }
  }
}
