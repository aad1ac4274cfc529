import { ValidationError } from '@imagebuild/core';
import { describe, expect, it } from 'vitest';
import { modemOptions } from './endpoint.js';
import { hostKeyVerifier } from './ssh-host-keys.js';

/** A syntactically valid ed25519 public key blob: string "ssh-ed25519" + 32-byte key. */
function blob(fill: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, fill);
  const out = Buffer.alloc(8 + type.length + key.length);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(key.length, 4 + type.length);
  key.copy(out, 8 + type.length);
  return out;
}
const line = (fill: number, prefix = ''): string =>
  `${prefix}ssh-ed25519 ${blob(fill).toString('base64')} host@example`;

describe('hostKeyVerifier', () => {
  it('accepts exactly the listed keys (pub lines and known_hosts lines)', () => {
    const verify = hostKeyVerifier([line(1), line(2, '[127.0.0.1]:2222 ')]);
    expect(verify(blob(1))).toBe(true);
    expect(verify(blob(2))).toBe(true);
    expect(verify(blob(3))).toBe(false);
  });

  it('rejects a line without a key, naming its index', () => {
    for (const bad of ['', 'ssh-ed25519', 'ssh-ed25519 !!!', `ssh-rsa ${blob(1).toString('base64')}`]) {
      const err = (() => {
        try {
          hostKeyVerifier([line(1), bad]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.path).toBe('engine.ssh.hostKeys[1]');
    }
  });

  it('modemOptions passes a verifier only when hostKeys is given', () => {
    const withKeys = modemOptions({ url: 'ssh://root@h', ssh: { hostKeys: [line(1)] } });
    expect(typeof withKeys.sshOptions?.hostVerifier).toBe('function');
    expect(modemOptions({ url: 'ssh://root@h' }).sshOptions?.hostVerifier).toBeUndefined();
  });
});
