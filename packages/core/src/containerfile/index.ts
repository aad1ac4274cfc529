// @imagebuild/core/containerfile — the Containerfile, the build context (the tar sent to the engine) and
// the agent's enrollment configuration.
export {
  CONTAINERFILE_NAME,
  DEFAULT_RPM_REPO_URL,
  createBuildContext,
  type AgentPackageSource,
  type BuildContext,
  type BuildContextOptions,
  type DnfOptions,
} from './build-context.js';
export {
  AGENT_CONFIG_PATH,
  CONTAINERFILE_GENERATOR_VERSION,
  renderContainerfile,
  buildArgNames,
  type ContainerfileFeatures,
} from './containerfile.js';
export { CONTEXT_MTIME, deterministicTar, type ContextFile } from './deterministic-tar.js';
export {
  EnrollmentConfigSchema,
  renderAgentConfig,
  parseEnrollmentConfig,
  validateEnrollmentConfig,
  type EnrollmentConfig,
} from './enrollment-config.js';
