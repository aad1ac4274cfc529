// @imagebuild/engine/dialect — the pieces an engine dialect (runner-podman, runner-docker) is made of:
// discovery strategies, the engine's JSON message stream, registry auth headers, API version
// negotiation. Applications use the root entry; only dialect authors need these.
export type { DialRequest, QueryValue } from './connection/dial-request.js';
export { displayEndpoint, modemOptions, type ModemOptions } from './connection/endpoint.js';
export {
  MAX_API_VERSION,
  MIN_API_VERSION,
  compareVersions,
  negotiate,
  type PingFacts,
} from './connection/negotiate.js';
export type { DiscoveryEnvironment, DiscoveryFs, DiscoveryStrategy, StrategyResult } from './discovery/types.js';
export { nodeDiscoveryEnvironment } from './discovery/node-context.js';
export { explicitStrategy } from './discovery/explicit-strategy.js';
export { dockerHostStrategy } from './discovery/docker-host-strategy.js';
export { containerHostStrategy } from './discovery/container-host-strategy.js';
export { dockerContextStrategy } from './discovery/docker-context-strategy.js';
export { podmanRootfulStrategy } from './discovery/podman-rootful-strategy.js';
export { podmanRootlessStrategy } from './discovery/podman-rootless-strategy.js';
export { dockerSocketStrategy } from './discovery/docker-socket-strategy.js';
export { jsonMessages, inBandError, type EngineMessage } from './stream/json-messages.js';
export { LineSplitter } from './stream/line-splitter.js';
export { registryAuthHeader, registryConfigHeader, urlSafeBase64 } from './auth/registry-auth.js';
export { buildContextHeaders } from './build/context-headers.js';
export { openImageFiles, type ImageFiles } from './image-files/archive-files.js';
