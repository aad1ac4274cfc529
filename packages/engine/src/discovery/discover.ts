import { AbortError, childLogger, type Logger } from '@imagebuild/core';
import { RuntimeNotFoundError, type DiscoveryAttempt } from '@imagebuild/core/errors';
import type { EngineEndpoint } from '../connection/endpoint.js';
import { EngineConnection } from '../connection/engine-connection.js';
import { nodeDiscoveryEnvironment } from './node-context.js';
import type { DiscoveryEnvironment, DiscoveryStrategy, StrategyResult } from './types.js';

/** A discovery attempt as reported to `onAttempt` (successful ones too). */
export interface ReportedAttempt extends DiscoveryAttempt {
  /** True for the attempt that found the engine. */
  ok: boolean;
}

/** Options of {@link discoverEngine}. */
export interface DiscoverOptions<C extends { info: { kind: string } } = EngineConnection> {
  /** Strategies in order; the first that yields a working engine wins. */
  strategies: readonly DiscoveryStrategy[];
  /** Engine kind required (an engine of the other kind is reported and skipped). */
  expect?: 'docker' | 'podman' | undefined;
  /** What strategies look at (environment variables, home, files); default: the process's. */
  environment?: DiscoveryEnvironment | undefined;
  /** Connects to an endpoint (default `EngineConnection.open`); injectable for tests. */
  connect?: ((endpoint: EngineEndpoint, signal: AbortSignal | undefined) => Promise<C>) | undefined;
  /** Called for every attempt, in order. */
  onAttempt?: ((attempt: ReportedAttempt) => void) | undefined;
  /** Receives each attempt (debug) and the outcome (info). Default: silent. */
  logger?: Logger | undefined;
  /** Aborts the discovery; it then rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
}

/** What {@link discoverEngine} found. */
export interface Discovered<C> {
  /** The open connection to the engine found. */
  connection: C;
  /** Name of the strategy that found it. */
  strategy: string;
  /** Every attempt made, the successful one last. */
  attempts: ReportedAttempt[];
}

/**
 * Finds a working engine by trying each strategy in order (the testcontainers way, plus docker
 * contexts, `CONTAINER_HOST` and the podman sockets). Rejects with `RuntimeNotFoundError`
 * listing every attempt and why it failed.
 */
export async function discoverEngine<C extends { info: { kind: string } } = EngineConnection>(
  options: DiscoverOptions<C>,
): Promise<Discovered<C>> {
  const ctx = options.environment ?? nodeDiscoveryEnvironment();
  const log = childLogger(options.logger, { component: 'discovery' });
  const connect =
    options.connect ??
    ((ep: EngineEndpoint, signal: AbortSignal | undefined) =>
      EngineConnection.open(ep, { signal }) as unknown as Promise<C>);
  const attempts: ReportedAttempt[] = [];
  const report = (a: ReportedAttempt): void => {
    attempts.push(a);
    // Targets are socket paths and URLs; a URL's credentials are removed by the logger's redaction.
    log.debug('engine discovery attempt', { ...a });
    options.onAttempt?.(a);
  };
  for (const strategy of options.strategies) {
    if (options.signal?.aborted) throw new AbortError('engine discovery aborted');
    let result: StrategyResult;
    try {
      result = strategy.resolve(ctx);
    } catch (err) {
      report({ strategy: strategy.name, reason: err instanceof Error ? err.message : String(err), ok: false });
      continue;
    }
    if ('skip' in result) {
      report({
        strategy: strategy.name,
        ...(result.target ? { target: result.target } : {}),
        reason: result.skip,
        ok: false,
      });
      continue;
    }
    try {
      const connection = await connect(result.endpoint, options.signal);
      if (options.expect && connection.info.kind !== options.expect) {
        report({
          strategy: strategy.name,
          target: result.target,
          reason: `found ${connection.info.kind}, need ${options.expect}`,
          ok: false,
        });
        continue;
      }
      report({
        strategy: strategy.name,
        target: result.target,
        reason: `connected to ${connection.info.kind}`,
        ok: true,
      });
      log.info('engine found', { strategy: strategy.name, target: result.target, attempts: attempts.length });
      return { connection, strategy: strategy.name, attempts };
    } catch (err) {
      if (options.signal?.aborted) throw new AbortError('engine discovery aborted', { cause: err });
      report({
        strategy: strategy.name,
        target: result.target,
        reason: err instanceof Error ? err.message : String(err),
        ok: false,
      });
    }
  }
  log.info('no engine found', { attempts: attempts.length });
  throw new RuntimeNotFoundError(attempts.map(({ ok: _ok, ...a }) => a));
}
