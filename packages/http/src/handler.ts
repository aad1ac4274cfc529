import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION, CORE_API_VERSION } from '@imagebuild/core';
import { ApiError } from '@imagebuild/core/errors';
import {
  API_VERSION_HEADER,
  CORE_VERSION,
  IMAGEBUILDER_VERSION,
  SUPPORTED_VERSIONS_HEADER,
  trimTrailingSlashes,
} from '@imagebuild/core/resources';
import type { BuilderApi } from './builder-api.js';
import type { HttpExchange } from './internal/context.js';
import { quote } from './internal/echo.js';
import { allowedMethods, matchAuth, matchRoute } from './internal/router.js';
import { httpStatusOf, messageOf, sendStatus } from './internal/status.js';
import { DEFAULT_BASE_PATHS, DEFAULT_MAX_BODY_BYTES, type ImageBuilderHandlerOptions } from './options.js';
import { sendAuthConfig, sendAuthValid } from './routes/auth.js';
import { handleDownload } from './routes/download.js';
import { handleJobs } from './routes/jobs.js';
import { handleLogs } from './routes/logs.js';
import { handleSbom } from './routes/sbom.js';
import { handleRepositories } from './routes/repositories.js';

// node:http lower-cases incoming header names.
const API_VERSION_HEADER_KEY = API_VERSION_HEADER.toLowerCase();

/** A `node:http` request listener (mounts in express, fastify's raw handler, or `http.createServer`). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves the Flight Control image-builder API (v1alpha1) — and, unless turned off, the core API's
 * `/repositories` and the `auth/config` and `auth/validate` endpoints `flightctl login` needs —
 * over a local `ImageBuilder`, at the root and under `/_/imagebuilder` by default: upstream's
 * status codes and `Status` bodies, `Flightctl-API-Version` negotiation (406), SSE logs framed as
 * upstream's (resumable `id:`s on request), downloads streamed from the registry with Range, an
 * auth hook (401), a body limit (413), JSON bodies only (415). Image promotions answer 501.
 */
export function createImageBuilderHandler(
  builder: BuilderApi,
  options: ImageBuilderHandlerOptions = {},
): RequestHandler {
  const bases = (typeof options.basePath === 'string' ? [options.basePath] : (options.basePath ?? DEFAULT_BASE_PATHS))
    .map(trimTrailingSlashes)
    .sort((a, b) => b.length - a.length); // longest prefix first
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const serveRepositories = options.serveRepositories ?? true;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const strictUpstream = options.strictUpstream ?? false;

  return (req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, messageOf(err));
      else res.destroy();
    });
  };

  async function allowed(req: IncomingMessage): Promise<true | ApiError> {
    if (!options.auth) return true;
    try {
      if (await options.auth(req)) return true;
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) return err;
    }
    return new ApiError(401, 'authentication required');
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = req.headers['x-request-id'];
    // Echoed in a header: only a plain token of bounded length, else a fresh one.
    const requestId = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    let url: URL;
    try {
      // Origin-form only: a target starting with // would otherwise be read as an authority.
      url = new URL((req.url ?? '/').replace(/^\/+/, '/'), 'http://adapter.invalid');
    } catch {
      // answered with a 400
      return sendStatus(res, 400, 'malformed request target', { 'X-Request-Id': requestId });
    }
    const base = bases.find((b) => b === '' || url.pathname === b || url.pathname.startsWith(`${b}/`));
    if (base === undefined)
      return sendStatus(res, 404, `${quote(url.pathname)} not found`, { 'X-Request-Id': requestId });
    const pathname = url.pathname.slice(base.length) || '/';
    if (pathname === '/healthz' || pathname === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Request-Id': requestId });
      res.end('OK');
      return;
    }
    const auth = matchAuth(pathname);
    if (auth && serveRepositories) {
      const headers = { [API_VERSION_HEADER]: CORE_VERSION, Vary: API_VERSION_HEADER, 'X-Request-Id': requestId };
      if (req.method !== 'GET')
        return sendStatus(
          res,
          405,
          `${quote(req.method ?? '', 16)} is not allowed`,
          { ...headers, Allow: 'GET' },
          CORE_API_VERSION,
        );
      req.resume();
      if (auth === 'config') return sendAuthConfig({ res, headers }, selfUrl(req));
      const verdict = await allowed(req);
      if (verdict !== true)
        return sendStatus(
          res,
          verdict.status,
          verdict.message,
          { ...headers, 'WWW-Authenticate': 'Bearer' },
          CORE_API_VERSION,
        );
      return sendAuthValid({ res, headers });
    }
    const route = matchRoute(pathname);
    const core = route?.collection === 'repositories';
    const version = core ? CORE_VERSION : IMAGEBUILDER_VERSION;
    const apiVersion = core ? CORE_API_VERSION : API_VERSION;
    const headers: Record<string, string> = {
      [API_VERSION_HEADER]: version,
      Vary: API_VERSION_HEADER,
      'X-Request-Id': requestId,
    };
    const fail = (code: number, message: string, extra: Record<string, string> = {}): void =>
      sendStatus(res, code, message, { ...headers, ...extra }, apiVersion);

    if (!route || (core && !serveRepositories)) return fail(404, `${quote(pathname)} not found`);
    const requested = req.headers[API_VERSION_HEADER_KEY];
    if (typeof requested === 'string' && requested !== '' && requested !== version) {
      return fail(406, `API version ${quote(requested, 32)} is not supported; supported: ${version}`, {
        [SUPPORTED_VERSIONS_HEADER]: version,
      });
    }
    const verdict = await allowed(req);
    if (verdict !== true) {
      req.resume();
      return fail(verdict.status, verdict.message, verdict.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
    }
    const method = req.method ?? 'GET';
    const methods = allowedMethods(route);
    if (!methods.includes(method))
      return fail(405, `${quote(method, 16)} is not allowed on ${quote(pathname)}`, { Allow: methods.join(', ') });
    if (route.collection === 'imagepromotions')
      return fail(501, 'ImagePromotion needs a Flight Control catalog; this server has none');

    const controller = new AbortController();
    res.once('close', () => controller.abort(new Error('client went away')));
    const ctx: HttpExchange = {
      req,
      res,
      route,
      url,
      builder,
      signal: controller.signal,
      headers,
      maxBodyBytes,
      strictUpstream,
    };
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

/** This server's address as the client reached it (a Host that is not a plain host[:port] is left out). */
function selfUrl(req: IncomingMessage): string {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? '';
  return /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? `${scheme}://${host}` : `${scheme}://localhost`;
}
