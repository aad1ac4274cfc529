import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import type { Repository } from '@imagebuild/core';
import { REDACTED, registerSecret } from '@imagebuild/core/errors';

const PREFIX = 'sealed:v1:';

/** Seals Repository passwords (AES-256-GCM) so stores never hold them in clear. */
export class CredentialSealer {
  readonly #key: Buffer;

  constructor(key: string | Uint8Array | undefined) {
    if (key === undefined) this.#key = randomBytes(32);
    else if (typeof key === 'string') this.#key = scryptSync(key, 'imagebuild/builder credential key', 32);
    else if (key.length === 32) this.#key = Buffer.from(key);
    else throw new TypeError('credentialKey must be a passphrase or exactly 32 bytes');
  }

  /** A copy of the repository whose password is sealed (and registered for redaction). */
  seal(repo: Repository): Repository {
    const auth = repo.spec.ociAuth;
    if (!auth) return repo;
    registerSecret(auth.password);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    const ct = Buffer.concat([c.update(auth.password, 'utf8'), c.final()]);
    const sealed = `${PREFIX}${iv.toString('base64')}.${c.getAuthTag().toString('base64')}.${ct.toString('base64')}`;
    return { ...repo, spec: { ...repo.spec, ociAuth: { ...auth, password: sealed } } };
  }

  /** The repository with its password in clear, or undefined as password when it cannot be unsealed. */
  unseal(repo: Repository): { repo: Repository; ok: boolean } {
    const auth = repo.spec.ociAuth;
    if (!auth) return { repo, ok: true };
    if (!auth.password.startsWith(PREFIX)) return { repo, ok: true };
    try {
      const [iv, tag, ct] = auth.password
        .slice(PREFIX.length)
        .split('.')
        .map((s) => Buffer.from(s, 'base64'));
      const d = createDecipheriv('aes-256-gcm', this.#key, iv!);
      d.setAuthTag(tag!);
      const password = Buffer.concat([d.update(ct!), d.final()]).toString('utf8');
      registerSecret(password);
      return { repo: { ...repo, spec: { ...repo.spec, ociAuth: { ...auth, password } } }, ok: true };
    } catch {
      // a credential that cannot be unsealed is reported as not ok, never echoed
      return { repo, ok: false };
    }
  }
}

/** What the API returns for a Repository: the password masked. */
export function maskRepository(repo: Repository): Repository {
  const auth = repo.spec.ociAuth;
  if (!auth) return repo;
  return { ...repo, spec: { ...repo.spec, ociAuth: { ...auth, password: REDACTED } } };
}
