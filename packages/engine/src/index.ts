// @imagebuild/engine — the one implementation shared by the podman and Docker runners. Applications
// install a runner (runner-podman, runner-docker); this root is what a runner is built from. The parts
// only a dialect needs (discovery strategies, message streams, auth headers) are in `/dialect`.
export { EngineRunner, type EngineRunnerOptions } from './engine-runner.js';
export type {
  EngineDialect,
  DialectBuildRequest,
  DialectPushRequest,
  RegistryTlsMode,
  BuilderChoice,
} from './dialect.js';
export { EngineConnection, normaliseArch, type OpenOptions } from './connection/engine-connection.js';
export type { EngineEndpoint, EngineSsh, EngineTls } from './connection/endpoint.js';
export { discoverEngine, type DiscoverOptions, type Discovered, type ReportedAttempt } from './discovery/discover.js';
export type {
  RegistryAccess,
  RegistryAccessFactory,
  ManifestRef,
  ArtifactPushProgress,
} from './registry/registry-access.js';
export { ociRegistryAccess } from './registry/oci-registry-access.js';
