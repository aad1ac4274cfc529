import { AbortError, RuntimeNotFoundError, type DiscoveryAttempt } from '@imagebuild/core';
import type { EngineEndpoint } from '../connection/endpoint.js';
import { EngineConnection } from '../connection/engine-connection.js';
import { nodeDiscoveryEnvironment } from './node-context.js';
import type { DiscoveryEnvironment, DiscoveryStrategy, StrategyResult } from './types.js';

/** A discovery attempt as reported to `onAttempt` (successful ones too). */
export interface ReportedAttempt extends DiscoveryAttempt {
  ok: boolean;
}

export interface DiscoverOptions<C extends { info: { kind: string } } = EngineConnection> {
  /** Strategies in order; the first that yields a working engine wins. */
  strategies: readonly DiscoveryStrategy[];
  /** Engine kind required (an engine of the other kind is reported and skipped). */
  expect?: 'docker' | 'podman' | undefined;
  context?: DiscoveryEnvironment | undefined;
  /** Connects to an endpoint (default `EngineConnection.open`); injectable for tests. */
  connect?: ((endpoint: EngineEndpoint, signal: AbortSignal | undefined) => Promise<C>) | undefined;
  /** Called for every attempt, in order (for debug logging). */
  onAttempt?: ((attempt: ReportedAttempt) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface Discovered<C> {
  connection: C;
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
  const ctx = options.context ?? nodeDiscoveryEnvironment();
  const connect =
    options.connect ??
    ((ep: EngineEndpoint, signal: AbortSignal | undefined) =>
      EngineConnection.open(ep, { signal }) as unknown as Promise<C>);
  const attempts: ReportedAttempt[] = [];
  const report = (a: ReportedAttempt): void => {
    attempts.push(a);
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
  throw new RuntimeNotFoundError(attempts.map(({ ok: _ok, ...a }) => a));
}
