import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { ImageBuilder } from '@imagebuild/builder';
import { createImageBuilderHandler, type ImageBuilderHandlerOptions } from '@imagebuild/http';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { onStopSignal } from '../internal/signals.js';
import { openLocalBuilder, type LocalOptions } from './open-builder.js';
import { bearerAuth, isLoopback, loadOrCreateToken, parseListen } from './serve-auth.js';

export interface ServeOptions extends LocalOptions {
  listen: string;
  tokenFile?: string | undefined;
  auth: boolean;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  strictUpstream?: boolean | undefined;
  gracePeriod?: number | undefined;
}

const PREFIX = '/_/imagebuilder';
const ACTIVE = 'status.conditions.ready.reason notin (Completed, Failed, Canceled)';

/** `imagebuild serve`: the HTTP adapter over a local builder until SIGTERM/SIGINT, then a drain. */
export async function runServe(options: ServeOptions, io: Io): Promise<number> {
  const { host, port } = parseListen(options.listen);
  if (!options.auth && !isLoopback(host))
    throw usage(
      '--no-auth is allowed only on a loopback address',
      `listen on 127.0.0.1 or drop --no-auth (got ${host})`,
    );
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined))
    throw usage('--tls-cert and --tls-key go together');
  const tls =
    options.tlsCert && options.tlsKey
      ? { cert: readOrFail('--tls-cert', options.tlsCert), key: readOrFail('--tls-key', options.tlsKey) }
      : undefined;
  const local = await openLocalBuilder(options);
  const { builder, runners } = local;
  let token: { token: string; generated: boolean } | undefined;
  try {
    token = options.auth ? loadOrCreateToken(options.tokenFile ?? join(local.state.dir, 'token')) : undefined;
  } catch (err) {
    await local.close();
    throw err;
  }
  const auth = token ? bearerAuth(token.token) : undefined;
  // strictUpstream: refuse export formats upstream does not know (an option of newer @imagebuild/http).
  const common = {
    ...(auth ? { auth } : {}),
    strictUpstream: options.strictUpstream === true,
  } as ImageBuilderHandlerOptions;
  const root = createImageBuilderHandler(builder, common);
  const prefixed = createImageBuilderHandler(builder, { ...common, basePath: PREFIX });
  let draining = false;

  const ready = async (res: ServerResponse): Promise<void> => {
    const problems: string[] = [];
    if (draining) problems.push('shutting down');
    try {
      await builder.list('Repository', { limit: 1 });
    } catch (err) {
      problems.push(`store: ${(err as Error).message}`);
    }
    const pings = await Promise.all(
      runners.map((r) =>
        r.ping({ signal: AbortSignal.timeout(3000) }).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!pings.includes(true)) problems.push('no engine reachable');
    res.writeHead(problems.length ? 503 : 200, { 'Content-Type': 'text/plain' });
    res.end(problems.length ? `not ready: ${problems.join('; ')}\n` : 'OK\n');
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/readyz' || path === `${PREFIX}/readyz`) void ready(res);
    else if (path === PREFIX || path.startsWith(`${PREFIX}/`)) prefixed(req, res);
    else root(req, res);
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          `cannot listen on ${options.listen}: ${err.code ?? err.message}`,
          EXIT.USAGE,
          'choose another --listen address',
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  }).catch(async (err) => {
    await local.close();
    throw err;
  });
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${(server.address() as { port: number }).port}`;
  if (token?.generated)
    io.err(
      `generated an API token (shown once; stored with mode 0600 in ${options.tokenFile ?? join(local.state.dir, 'token')}):\n  ${token.token}\n`,
    );
  io.out(`serving the image-builder API on ${url} and ${url}${PREFIX} (auth: ${auth ? 'bearer token' : 'none'})\n`);
  io.out(`log in with: imagebuild login ${url} --token-file ${options.tokenFile ?? join(local.state.dir, 'token')}\n`);

  await new Promise<void>((resolve) => {
    const unsubscribe = onStopSignal(() => {
      unsubscribe();
      resolve();
    });
  });
  draining = true;
  io.out('draining: no new connections; waiting for running jobs\n');
  server.close();
  server.closeIdleConnections();
  await drain(builder, options.gracePeriod ?? 60_000, io);
  server.closeAllConnections();
  await local.close();
  io.out('stopped\n');
  return EXIT.OK;
}

async function drain(builder: ImageBuilder, graceMs: number, io: Io): Promise<void> {
  const deadline = Date.now() + graceMs;
  const busy = (): boolean => builder.stats.running + builder.stats.queued > 0;
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (!busy()) return;
  io.out('grace period over: canceling the jobs still running\n');
  for (const kind of ['ImageExport', 'ImageBuild'] as const) {
    const active = await builder.list(kind, { fieldSelector: ACTIVE, limit: 1000 });
    // draining: a job that finished meanwhile cannot be cancelled, which is fine
    for (const r of active.items) await builder.cancel(kind, r.metadata.name as string).catch(() => undefined);
  }
  const cancelDeadline = Date.now() + 30_000;
  while (busy() && Date.now() < cancelDeadline) await new Promise((r) => setTimeout(r, 200));
}

function readOrFail(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    // the usage message names the file that cannot be read
    throw usage(`${flag} ${path}: cannot be read`);
  }
}
