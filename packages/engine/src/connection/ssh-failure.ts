import { SdkError } from '@imagebuild/core';
import { EngineError } from '@imagebuild/core/errors';
import type { EngineEndpoint } from './endpoint.js';

/**
 * Turns a refused ssh host key, or an ssh authentication failure on first contact (ssh2 marks it `level: 'client-authentication'`)
 * into an error saying which user was refused and what to give. Undefined for any other failure.
 */
export function sshFailure(name: string, endpoint: EngineEndpoint, err: unknown): EngineError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof SdkError) continue;
    if (e.message.includes('Host denied')) {
      return new EngineError(
        name,
        "the engine's ssh host key is not one of engine.ssh.hostKeys (host key verification failed): check the host, or the keys given",
        { cause: err },
      );
    }
    if ((e as Error & { level?: unknown }).level !== 'client-authentication') continue;
    const user = sshUser(endpoint.url);
    const given =
      endpoint.ssh?.privateKey !== undefined
        ? 'engine.ssh.privateKey was refused'
        : 'no engine.ssh.privateKey was given';
    return new EngineError(
      name,
      `ssh authentication failed for user ${user}: ${given}; give a key the remote accepts for that user (engine.ssh.privateKey) or an agent holding one (engine.ssh.agent or SSH_AUTH_SOCK)`,
      { cause: err },
    );
  }
  return undefined;
}

function sshUser(url: string): string {
  const m = /^ssh:\/\/([^@/]+)@/.exec(url.trim());
  return m?.[1] ? decodeURIComponent(m[1].split(':')[0] ?? '') : '(default)';
}
