import { EngineRunner, type EngineRunnerOptions } from '@imagebuild/engine';
import { podmanDialect } from './podman-dialect.js';

/** Options of the podman runner. */
export type PodmanRunnerOptions = EngineRunnerOptions;

/**
 * A runner for podman's API service. Discovery order when `engine` is not given: `CONTAINER_HOST`,
 * `/run/podman/podman.sock`, `$XDG_RUNTIME_DIR/podman/podman.sock`, `DOCKER_HOST` (only a podman engine is accepted).
 */
export class PodmanRunner extends EngineRunner {
  constructor(options: PodmanRunnerOptions = {}) {
    super(podmanDialect, options);
  }
}

/** Creates a podman runner. */
export function createPodmanRunner(options: PodmanRunnerOptions = {}): PodmanRunner {
  return new PodmanRunner(options);
}
