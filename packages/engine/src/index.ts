// @imagebuild/engine — the one implementation shared by the podman and Docker runners.
export { EngineRunner, type EngineRunnerOptions } from './engine-runner.js';
export type { EngineDialect, DialectBuildRequest, DialectPushRequest, RegistryTlsMode } from './dialect.js';
export { EngineConnection, normaliseArch, type OpenOptions } from './connection/engine-connection.js';
export {
  displayEndpoint,
  modemOptions,
  type EngineEndpoint,
  type EngineSsh,
  type EngineTls,
  type ModemOptions,
} from './connection/endpoint.js';
export {
  MAX_API_VERSION,
  MIN_API_VERSION,
  compareVersions,
  negotiate,
  type PingFacts,
} from './connection/negotiate.js';
export { discoverEngine, type DiscoverOptions, type Discovered, type ReportedAttempt } from './discovery/discover.js';
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
export type { DialRequest, QueryValue } from './internal/dial.js';
export type {
  RegistryAccess,
  RegistryAccessFactory,
  ManifestRef,
  ArtifactPushProgress,
} from './registry/registry-access.js';
export { ociRegistryAccess } from './registry/oci-registry-access.js';
