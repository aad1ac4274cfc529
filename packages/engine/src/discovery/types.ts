import type { EngineEndpoint } from '../connection/endpoint.js';

/** File-system access discovery needs (injected in tests). */
export interface DiscoveryFs {
  /** True when a path exists (sockets included). */
  exists(path: string): boolean;
  /** File contents, or undefined when unreadable. */
  readFile(path: string): string | undefined;
  /** Directory entries, or [] when unreadable. */
  readdir(path: string): string[];
}

/** Everything a strategy may look at. Defaults come from the process (`nodeDiscoveryEnvironment`). */
export interface DiscoveryEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Effective uid (undefined on platforms without one). */
  uid: number | undefined;
  fs: DiscoveryFs;
}

/** A strategy's answer: an endpoint to try, or why it does not apply. */
export type StrategyResult =
  | { endpoint: EngineEndpoint; target: string }
  | { skip: string; target?: string | undefined };

/** One way of finding an engine. Strategies are tried in order; see `discoverEngine`. */
export interface DiscoveryStrategy {
  readonly name: string;
  resolve(ctx: DiscoveryEnvironment): StrategyResult;
}
