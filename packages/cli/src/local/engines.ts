import type { Runner } from '@imagebuild/core';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { CliError, EXIT } from '../exit.js';

const PING_TIMEOUT_MS = 10_000;

async function ping(runner: Runner): Promise<void> {
  await runner.ping({ signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * One runner per `--engine` URL (podman or Docker, whichever answers there), or every engine found
 * by discovery when none is given. An engine that cannot be reached is exit status 3.
 */
export async function connectEngines(urls: readonly string[]): Promise<Runner[]> {
  if (urls.length === 0) {
    const found: Runner[] = [];
    const errors: string[] = [];
    for (const runner of [new PodmanRunner({}), new DockerRunner({})]) {
      try {
        await ping(runner);
        found.push(runner);
      } catch (err) {
        errors.push(`${runner.engine}: ${message(err)}`);
      }
    }
    if (found.length === 0)
      throw new CliError(
        `no container engine found:\n  ${errors.join('\n  ')}`,
        EXIT.UNREACHABLE,
        'start podman (`systemctl start podman.socket`) or dockerd, or pass --engine unix:///path/to/engine.sock',
      );
    return found;
  }
  const runners: Runner[] = [];
  for (const url of urls) {
    const errors: string[] = [];
    let ok: Runner | undefined;
    for (const runner of [new PodmanRunner({ engine: url }), new DockerRunner({ engine: url })]) {
      try {
        await ping(runner);
        ok = runner;
        break;
      } catch (err) {
        errors.push(message(err));
      }
    }
    if (!ok)
      throw new CliError(
        `engine ${url} cannot be reached: ${errors[errors.length - 1] ?? ''}`,
        EXIT.UNREACHABLE,
        'check that the engine runs and that --engine names its socket (unix:///…, tcp://host:port, ssh://user@host)',
      );
    runners.push(ok);
  }
  return runners;
}
