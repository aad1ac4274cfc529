// @imagebuild/runner-podman — the podman dialect of @imagebuild/engine's runner.
export { PodmanRunner, createPodmanRunner, type PodmanRunnerOptions } from './podman-runner.js';
export { podmanDialect } from './podman-dialect.js';
