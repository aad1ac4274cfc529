import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repository } from '@imagebuild/core';
import { EngineError, RegistryError, redactText } from '@imagebuild/core/errors';
import { repositoryCaPem, repositoryCredentials } from '../auth/registry-auth.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { EngineDialect, RegistryTlsMode } from '../dialect.js';
import { repositoryLabel } from './repository-errors.js';

/** What `prepareEngineTrust` decided for one registry. */
export interface EngineTrust {
  /** The `tlsVerify` to send with requests that reach this registry. */
  tlsVerify: boolean;
  /** How the engine itself treats TLS towards this registry. */
  mode: RegistryTlsMode;
}

export interface EngineTrustOptions {
  /** Directory of per-registry CAs the engine reads (`false`: never write one). */
  certsDir: string | false;
  log(line: string): void;
  signal: AbortSignal;
}

const CERT_FAILURE = /x509|certificate|tls:|unknown authority/i;

/** TLS verification as the Repository asks for it: off only for `scheme: http` or `skipServerVerification`. */
export function repositoryVerifiesTls(repo: Repository): boolean {
  return repo.spec.scheme !== 'http' && repo.spec.skipServerVerification !== true;
}

/**
 * Makes sure the engine talks to every Repository's registry with TLS verified exactly when the
 * Repository asks for it, before anything is built: a Repository CA is installed where a local engine
 * reads per-registry CAs, and the engine itself logs in (`POST /auth`) to prove it trusts the registry.
 * Where that cannot hold, it fails naming the Repository and the fix. Returns `tlsVerify` per registry.
 */
export async function prepareEngineTrust(
  conn: EngineConnection,
  dialect: EngineDialect,
  repos: readonly Repository[],
  options: EngineTrustOptions,
): Promise<Map<string, EngineTrust>> {
  const out = new Map<string, EngineTrust>();
  for (const repo of repos) {
    const registry = repo.spec.registry;
    if (out.has(registry)) continue;
    const verify = repositoryVerifiesTls(repo);
    const mode = await dialect.registryTlsMode(conn, registry, options.signal);
    out.set(registry, { tlsVerify: verify, mode });
    if (mode === 'verify' && !verify) {
      throw new EngineError(
        conn.name,
        `${repositoryLabel(repo)} says ${repo.spec.scheme === 'http' ? 'scheme: http' : 'skipServerVerification: true'}, but the engine always verifies TLS for ${registry}; fix: add "${registry}" to "insecure-registries" in the engine's daemon.json and restart it`,
      );
    }
    if (!verify) continue;
    if (mode === 'insecure') {
      options.log(
        `warning: ${conn.info.kind} treats ${registry} (${repositoryLabel(repo)}) as an insecure registry (its insecure-registries, which always include 127.0.0.0/8) and does not verify its certificate; the source is pinned to a digest resolved with verification, and the pushed digest is read back with verification`,
      );
      continue;
    }
    const ca = repositoryCaPem(repo);
    const local = conn.info.endpoint.startsWith('unix://');
    if (ca !== undefined && local && options.certsDir !== false) {
      await installCa(conn, repo, join(options.certsDir, registry), ca, options.log);
    }
    await engineLogin(conn, dialect, repo, ca !== undefined, options);
  }
  return out;
}

/** Writes the Repository's CA as `<dir>/imagebuild-<hash>.crt` (atomically; kept for later jobs). */
async function installCa(
  conn: EngineConnection,
  repo: Repository,
  dir: string,
  pem: string,
  log: (line: string) => void,
): Promise<void> {
  const file = join(dir, `imagebuild-${createHash('sha256').update(pem).digest('hex').slice(0, 16)}.crt`);
  // no CA file yet: it is written below
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === pem) return;
  const tmp = `${file}.${process.pid}-${randomUUID()}.tmp`; // concurrent jobs write the same file
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFile(tmp, pem, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    // removing our temp file after a failure that is thrown below
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new EngineError(
      conn.name,
      `cannot install the CA of ${repositoryLabel(repo)} for the engine at ${file}: ${err instanceof Error ? err.message : String(err)}; fix: copy the Repository's ca.crt there (as root), or run the runner as a user who may write ${dir}`,
      { cause: err },
    );
  }
  log(`installed the CA of ${repositoryLabel(repo)} for ${conn.info.kind} as ${file}`);
}

/** The engine logs in to the registry itself: proves its TLS trust (and the credentials) before building. */
async function engineLogin(
  conn: EngineConnection,
  dialect: EngineDialect,
  repo: Repository,
  hasCa: boolean,
  options: EngineTrustOptions,
): Promise<void> {
  const creds = repositoryCredentials(repo);
  const body = await conn.json<{ Status?: string; message?: string }>({
    method: 'POST',
    path: conn.compat('/auth'),
    json: { ...(creds ?? {}), serveraddress: repo.spec.registry },
    ok: [200, 400, 401, 403, 500],
    signal: options.signal,
  });
  const message = typeof body?.message === 'string' ? redactText(body.message).trim() : undefined;
  if (message === undefined) return;
  if (CERT_FAILURE.test(message)) {
    const where = options.certsDir === false ? dialect.certsDir : options.certsDir;
    const fix = hasCa
      ? `install the Repository's ca.crt on the engine host as ${where}/${repo.spec.registry}/ca.crt`
      : `give the Repository the CA that signed the registry's certificate (spec."ca.crt")`;
    throw new EngineError(
      conn.name,
      `the engine does not trust the certificate of ${repositoryLabel(repo)}: ${message}; fix: ${fix}, or set skipServerVerification: true on the Repository to turn verification off`,
    );
  }
  // Anonymous access cannot log in where pulls take an anonymous token (quay.io): only TLS counts then.
  if (creds === undefined) return;
  if (/unauthorized|401|denied|authentication/i.test(message)) {
    throw new RegistryError(repo.spec.registry, `engine login for Repository "${repo.metadata.name}"`, message, {
      status: 401,
      details: { repository: repo.metadata.name, engine: conn.name },
    });
  }
  throw new EngineError(conn.name, `login to ${repositoryLabel(repo)} failed: ${message}`);
}
