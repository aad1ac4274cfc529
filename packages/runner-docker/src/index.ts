// @imagebuild/runner-docker — the Docker Engine dialect of @imagebuild/engine's runner.
export { DockerRunner, createDockerRunner, type DockerRunnerOptions } from './docker-runner.js';
export { dockerDialect } from './docker-dialect.js';
