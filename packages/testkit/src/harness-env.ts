import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/** The harness's environment, as `npm run engines:up` writes it to `$IBH_DIR/env` (default /tmp/ibh/env). */
export interface HarnessEnv {
  /** The harness run dir (`IBH_DIR`). */
  readonly dir: string;
  /** Podman API service socket (Docker-compatible and libpod API). */
  readonly podmanSocket: string;
  /** dockerd socket. */
  readonly dockerSocket: string;
  /** Registry A: plain HTTP, no auth (`127.0.0.1:5000`). */
  readonly registryPlain: string;
  /** Registry B: TLS with the harness CA plus htpasswd basic auth (`127.0.0.1:5443`). */
  readonly registryTls: string;
  /** CA certificate (PEM file) that signed registry B's certificate. */
  readonly registryCa: string;
  /** A `certs.d` tree (`<dir>/127.0.0.1:5443/ca.crt`) for containers/image clients. */
  readonly registryCertsD: string;
  readonly registryUser: string;
  readonly registryPassword: string;
  /** docker-config style auth file holding registry B's credentials. */
  readonly registryAuthFile: string;
  /** The bootc-like base image fixture, in both engines (`localhost/bootc-base:latest`). */
  readonly baseImage: string;
  /** The base image in registry A / registry B (`<registry>/fixtures/bootc-base:latest`). */
  readonly baseImagePlain: string;
  readonly baseImageTls: string;
  /** The bootc-image-builder stand-in, in both engines (`localhost/bib-standin:latest`). */
  readonly bibImage: string;
  readonly bibImagePlain: string;
  readonly bibImageTls: string;
  /** Scratch directory on the host (inside the run dir) for bind mounts and outputs. */
  readonly tmpDir: string;
  /** Every KEY=value line of the env file. */
  readonly raw: Readonly<Record<string, string>>;
}

/** Thrown when the harness env file is missing or incomplete. */
export class HarnessEnvError extends Error {
  override readonly name = 'HarnessEnvError';
}

/** Path of the harness env file: `$IBH_DIR/env`, else `/tmp/ibh/env`. */
export function harnessEnvPath(): string {
  return join(process.env['IBH_DIR'] || '/tmp/ibh', 'env');
}

/** Parses `KEY=value` lines (blank lines and `#` comments ignored; the value is everything after the first `=`). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const i = trimmed.indexOf('=');
    if (i <= 0) continue;
    out[trimmed.slice(0, i)] = trimmed.slice(i + 1);
  }
  return out;
}

/**
 * Reads the harness env file (see {@link harnessEnvPath}). Throws a {@link HarnessEnvError} telling to
 * run `npm run engines:up` when the file is missing or lacks a key.
 */
export function loadHarnessEnv(path: string = harnessEnvPath()): HarnessEnv {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new HarnessEnvError(
      `the engine harness is not running: ${path} not found. Run 'npm run engines:up' (or 'npm test', which starts it).`,
      { cause },
    );
  }
  const raw = parseEnvFile(text);
  const need = (key: string): string => {
    const value = raw[key];
    if (value === undefined || value === '') {
      throw new HarnessEnvError(`the harness env file ${path} has no ${key}: run 'npm run engines:up' again.`);
    }
    return value;
  };
  return {
    dir: need('IBH_DIR'),
    podmanSocket: need('PODMAN_SOCKET'),
    dockerSocket: need('DOCKER_SOCKET'),
    registryPlain: need('REGISTRY_PLAIN'),
    registryTls: need('REGISTRY_TLS'),
    registryCa: need('REGISTRY_CA'),
    registryCertsD: need('REGISTRY_CERTS_D'),
    registryUser: need('REGISTRY_USER'),
    registryPassword: need('REGISTRY_PASSWORD'),
    registryAuthFile: need('REGISTRY_AUTH_FILE'),
    baseImage: need('BASE_IMAGE'),
    baseImagePlain: need('BASE_IMAGE_PLAIN'),
    baseImageTls: need('BASE_IMAGE_TLS'),
    bibImage: need('BIB_IMAGE'),
    bibImagePlain: need('BIB_IMAGE_PLAIN'),
    bibImageTls: need('BIB_IMAGE_TLS'),
    tmpDir: need('IBH_TMP'),
    raw,
  };
}

/**
 * The harness's PostgreSQL 15 cluster (`PG_URL`, `postgres://postgres@127.0.0.1:5433/postgres`): the
 * `PG_URL` environment variable wins (a second cluster while developing), else the env file's. Throws a
 * {@link HarnessEnvError} when neither has it (a harness started before PostgreSQL joined it).
 */
export function harnessPgUrl(env: HarnessEnv): string {
  const url = process.env['PG_URL'] || env.raw['PG_URL'];
  if (!url) throw new HarnessEnvError(`the harness env has no PG_URL: run 'npm run engines:up' again.`);
  return url;
}

/** The two engines of the harness, for tests that run on both. */
export type HarnessEngine = 'podman' | 'docker';
export const HARNESS_ENGINES: readonly HarnessEngine[] = ['podman', 'docker'];

/** Socket path of one harness engine. */
export function engineSocket(env: HarnessEnv, engine: HarnessEngine): string {
  return engine === 'podman' ? env.podmanSocket : env.dockerSocket;
}

/** `GET /_ping` on a unix socket; resolves true when the engine answers `OK`, false otherwise (never rejects). */
export function pingSocket(socketPath: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
