import { existsSync } from 'node:fs';
import { harnessEnvPath, loadHarnessEnv, pingSocket } from './harness-env.js';

/**
 * vitest globalSetup of the `integration` project. Integration tests must FAIL, not skip, when the
 * harness is missing: this throws unless the env file exists, both engine sockets answer `/_ping`
 * and the CA file is present.
 */
export default async function setup(): Promise<void> {
  const env = loadHarnessEnv();
  const problems: string[] = [];
  for (const [name, socket] of [
    ['podman', env.podmanSocket],
    ['docker', env.dockerSocket],
  ] as const) {
    if (!(await pingSocket(socket))) problems.push(`${name} does not answer /_ping on ${socket}`);
  }
  if (!existsSync(env.registryCa)) problems.push(`registry CA ${env.registryCa} is missing`);
  if (problems.length > 0) {
    throw new Error(
      `engine harness not ready (${harnessEnvPath()}): ${problems.join('; ')}. Run 'npm run engines:up'.`,
    );
  }
}
