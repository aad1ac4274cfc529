import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConverterSecrets {
  /** Registry host[:port] the image is pulled from. */
  registry: string;
  credentials: { username: string; password: string } | undefined;
  caPem: string | undefined;
  /** bootc-image-builder config JSON (may hold user passwords). */
  configJson: string | undefined;
  /** Job id, made part of the directory name (sanitised) so a job's leftovers can be told apart. */
  jobId?: string | undefined;
}

export interface SecretDir {
  path: string;
  /** `host:container[:ro]` binds for the converter container. */
  binds: string[];
  remove(): Promise<void>;
}

/**
 * Writes what the converter must not receive through Env, Cmd or image layers into a private
 * directory on tmpfs (`/dev/shm`, mode 0700; files 0600), bound read-only into the container:
 * `auth/auth.json` → `/run/containers/0/auth.json` (root's default podman auth file),
 * `certs.d/<registry>/ca.crt` → `/etc/containers/certs.d`, and `config.json` → `/config.json`.
 * `remove()` deletes it; call it in every outcome.
 */
export async function createSecretDir(secrets: ConverterSecrets): Promise<SecretDir> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const path = await mkdtemp(join(base, `imagebuild-secret-${jobTag(secrets.jobId)}`));
  const remove = (): Promise<void> => rm(path, { recursive: true, force: true });
  try {
    const binds: string[] = [];
    if (secrets.credentials) {
      await mkdir(join(path, 'auth'), { mode: 0o700 });
      const auth = Buffer.from(`${secrets.credentials.username}:${secrets.credentials.password}`).toString('base64');
      await writeFile(join(path, 'auth', 'auth.json'), JSON.stringify({ auths: { [secrets.registry]: { auth } } }), {
        mode: 0o600,
      });
      binds.push(`${join(path, 'auth')}:/run/containers/0:ro`);
    }
    if (secrets.caPem) {
      await mkdir(join(path, 'certs.d', secrets.registry), { recursive: true, mode: 0o700 });
      await writeFile(join(path, 'certs.d', secrets.registry, 'ca.crt'), secrets.caPem, { mode: 0o600 });
      binds.push(`${join(path, 'certs.d')}:/etc/containers/certs.d:ro`);
    }
    if (secrets.configJson) {
      await writeFile(join(path, 'config.json'), secrets.configJson, { mode: 0o600 });
      binds.push(`${join(path, 'config.json')}:/config.json:ro`);
    }
    return { path, binds, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** `<job>-` with the job id reduced to a safe file-name fragment, or '' without a job id. */
export function jobTag(jobId: string | undefined): string {
  if (!jobId) return '';
  return `${jobId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-`;
}
