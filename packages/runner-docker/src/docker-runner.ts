import { EngineRunner, type EngineRunnerOptions } from '@imagebuild/engine';
import { dockerDialect } from './docker-dialect.js';

/** Options of the Docker runner. */
export type DockerRunnerOptions = EngineRunnerOptions;

/**
 * A runner for Docker Engine. Discovery order when `engine` is not given: `DOCKER_HOST`, the
 * current docker context, `/var/run/docker.sock` (only a Docker engine is accepted).
 */
export class DockerRunner extends EngineRunner {
  constructor(options: DockerRunnerOptions = {}) {
    super(dockerDialect, options);
  }
}

/** Creates a Docker runner. */
export function createDockerRunner(options: DockerRunnerOptions = {}): DockerRunner {
  return new DockerRunner(options);
}
