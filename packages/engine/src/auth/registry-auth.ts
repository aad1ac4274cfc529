import type { Repository } from '@imagebuild/core';
import { registerSecret } from '@imagebuild/core/errors';

/** Go's `base64.URLEncoding`: URL-safe alphabet *with* `=` padding (Node's `base64url` drops the padding). */
export function urlSafeBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Registry credentials of a Repository (registered for redaction), or undefined for anonymous access. */
export function repositoryCredentials(repo: Repository): { username: string; password: string } | undefined {
  const auth = repo.spec.ociAuth;
  if (!auth) return undefined;
  registerSecret(auth.password);
  return { username: auth.username, password: auth.password };
}

/**
 * `X-Registry-Auth` for a push or pull to the Repository's registry. Always returns a header value:
 * dockerd refuses a push without one, so anonymous access sends `{"serveraddress":…}`.
 */
export function registryAuthHeader(repo: Repository): string {
  const creds = repositoryCredentials(repo);
  const body = creds
    ? { username: creds.username, password: creds.password, serveraddress: repo.spec.registry }
    : { serveraddress: repo.spec.registry };
  return urlSafeBase64(JSON.stringify(body));
}

/** `X-Registry-Config` for a build: credentials of every Repository that has some, keyed by registry host. */
export function registryConfigHeader(repos: readonly Repository[]): string | undefined {
  const map: Record<string, { username: string; password: string; serveraddress: string }> = {};
  for (const repo of repos) {
    const creds = repositoryCredentials(repo);
    if (creds) map[repo.spec.registry] = { ...creds, serveraddress: repo.spec.registry };
  }
  return Object.keys(map).length === 0 ? undefined : urlSafeBase64(JSON.stringify(map));
}

/** The Repository's CA certificate as PEM text (`ca.crt` is base64 of the PEM), or undefined. */
export function repositoryCaPem(repo: Repository): string | undefined {
  const b64 = repo.spec['ca.crt'];
  if (!b64) return undefined;
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64').toString('utf8');
}
