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
  /** Environment variables (`DOCKER_HOST`, `CONTAINER_HOST`, `XDG_RUNTIME_DIR`…). */
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (for `~/.docker`). */
  homedir: string;
  /** Effective uid (undefined on platforms without one). */
  uid: number | undefined;
  /** File-system access. */
  fs: DiscoveryFs;
}

/** A strategy's answer: an endpoint to try, or why it does not apply. */
export type StrategyResult =
  | { endpoint: EngineEndpoint; target: string }
  | { skip: string; target?: string | undefined };

/** One way of finding an engine. Strategies are tried in order; see `discoverEngine`. */
export interface DiscoveryStrategy {
  /** Name in discovery reports, e.g. `DOCKER_HOST`. */
  readonly name: string;
  /** An endpoint to try, or why this strategy does not apply. */
  resolve(ctx: DiscoveryEnvironment): StrategyResult;
}
