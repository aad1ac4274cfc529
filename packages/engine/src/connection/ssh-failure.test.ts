import { EngineError } from '@imagebuild/core/errors';
import { describe, expect, it } from 'vitest';
import { sshFailure } from './ssh-failure.js';

const name = 'engine at ssh://root@h:22';
const authError = (): Error =>
  Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
const wrapped = (cause: Error): EngineError =>
  new EngineError(name, `GET /_ping: connection failed: ${cause.message}`, { cause });

describe('sshFailure', () => {
  it('names the refused user and says the given key was refused', () => {
    const err = sshFailure(name, { url: 'ssh://root@h:22', ssh: { privateKey: 'k' } }, wrapped(authError()));
    expect(err).toBeInstanceOf(EngineError);
    expect(err?.message).toContain('ssh authentication failed for user root: engine.ssh.privateKey was refused');
  });

  it('says when no key was given', () => {
    expect(sshFailure(name, { url: 'ssh://h' }, wrapped(authError()))?.message).toContain(
      'for user (default): no engine.ssh.privateKey was given',
    );
  });

  it('other failures are not authentication failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(sshFailure(name, { url: 'ssh://root@h' }, wrapped(refused))).toBeUndefined();
    expect(sshFailure(name, { url: 'ssh://root@h' }, 'x')).toBeUndefined();
  });
});

describe('sshFailure: host key', () => {
  it('a refused host key names engine.ssh.hostKeys', () => {
    const denied = Object.assign(new Error('Host denied (verification failed)'), { level: 'handshake' });
    expect(sshFailure(name, { url: 'ssh://root@h', ssh: { hostKeys: ['x'] } }, wrapped(denied))?.message).toBe(
      `${name}: the engine's ssh host key is not one of engine.ssh.hostKeys (host key verification failed): check the host, or the keys given`,
    );
  });
});
