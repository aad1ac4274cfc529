import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HarnessEnv {
  plain: string;
  tls: string;
  ca: string;
  user: string;
  password: string;
  dir: string;
  baseImagePlain: string;
}

/** Reads the harness env file (`npm run engines:up` writes it). */
export function harnessEnv(): HarnessEnv {
  const file = `${process.env['IBH_DIR'] ?? '/tmp/ibh'}/env`;
  if (!existsSync(file)) throw new Error(`no harness env at ${file}: run 'npm run engines:up'`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`harness env lacks ${k}`);
    return v;
  };
  return {
    plain: need('REGISTRY_PLAIN'),
    tls: need('REGISTRY_TLS'),
    ca: need('REGISTRY_CA'),
    user: need('REGISTRY_USER'),
    password: need('REGISTRY_PASSWORD'),
    dir: need('IBH_DIR'),
    baseImagePlain: need('BASE_IMAGE_PLAIN'),
  };
}

export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Writes `size` random bytes to `path`; returns the sha256 digest. */
export async function randomFile(path: string, size: number): Promise<string> {
  const fh = await open(path, 'w');
  const hash = createHash('sha256');
  try {
    for (let done = 0; done < size; ) {
      const chunk = randomBytes(Math.min(4 << 20, size - done));
      hash.update(chunk);
      await fh.write(chunk);
      done += chunk.length;
    }
  } finally {
    await fh.close();
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Upload sessions the registry still holds for `repo`: `_uploads/<uuid>` dirs
 * with a `startedat` or `data` file. Registry 2.8 leaves a stub holding only
 * `hashstates/` behind after a successful DELETE (its writer's deferred Close
 * re-creates it, logging "error closing blobwriter"); a stub is not a session.
 */
export function uploadSessions(env: HarnessEnv, repo: string, which: 'plain' | 'secure' = 'plain'): string[] {
  const dir = `${env.dir}/registry/${which}/data/docker/registry/v2/repositories/${repo}/_uploads`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((id) => existsSync(`${dir}/${id}/startedat`) || existsSync(`${dir}/${id}/data`));
}

export function uniqueRepo(prefix: string): string {
  return `oci-test/${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
