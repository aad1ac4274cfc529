import type { DiscoveryEnvironment, StrategyResult } from './types.js';

/** An endpoint for a unix socket path when the path exists. */
export function socketIfPresent(ctx: DiscoveryEnvironment, path: string): StrategyResult {
  if (!ctx.fs.exists(path)) return { skip: 'socket does not exist', target: path };
  return { endpoint: { url: `unix://${path}` }, target: path };
}
