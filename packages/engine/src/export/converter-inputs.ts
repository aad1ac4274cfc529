import { pack } from 'tar-stream';
import { CONTEXT_MTIME } from '@imagebuild/core/containerfile';
import type { EngineConnection } from '../connection/engine-connection.js';

/** Where the inputs land in the created container (its writable layer): the script moves them at once. */
export const INPUTS_DIR = '.imagebuild-in';

export interface ConverterInputs {
  /** Registry host[:port] the image is pulled from. */
  registry: string;
  credentials: { username: string; password: string } | undefined;
  caPem: string | undefined;
  /** bootc-image-builder config JSON (may hold user passwords). */
  configJson: string | undefined;
}

/**
 * What the converter must not receive through Env, Cmd, labels or a volume, as a tar for the archive
 * API (`auth.json`, `certs.d/<registry>/ca.crt`, `config.json`, mode 0600 in a 0700 directory).
 * It is put into the created, not yet started container; the converter script's first step moves the
 * credentials and config into a tmpfs (`/run/containers`) and deletes the rest, and the container is
 * removed when the export ends. Undefined when there is nothing to hand over.
 */
export async function converterInputsTar(inputs: ConverterInputs): Promise<Buffer | undefined> {
  const files: { name: string; data: string }[] = [];
  if (inputs.credentials) {
    const auth = Buffer.from(`${inputs.credentials.username}:${inputs.credentials.password}`).toString('base64');
    files.push({ name: 'auth.json', data: JSON.stringify({ auths: { [inputs.registry]: { auth } } }) });
  }
  if (inputs.caPem) files.push({ name: `certs.d/${inputs.registry}/ca.crt`, data: inputs.caPem });
  if (inputs.configJson) files.push({ name: 'config.json', data: inputs.configJson });
  if (files.length === 0) return undefined;
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  const common = { mtime: CONTEXT_MTIME, uid: 0, gid: 0 };
  const dirs = new Set<string>([INPUTS_DIR]);
  for (const f of files) {
    const parts = f.name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${INPUTS_DIR}/${parts.slice(0, i).join('/')}`);
  }
  for (const d of dirs) p.entry({ ...common, name: `${d}/`, type: 'directory', mode: 0o700 });
  for (const f of files) p.entry({ ...common, name: `${INPUTS_DIR}/${f.name}`, type: 'file', mode: 0o600 }, f.data);
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Extracts a tar into the container at `/` (archive API; the container may be created, not started). */
export async function putIntoContainer(
  conn: EngineConnection,
  id: string,
  tar: Buffer,
  signal: AbortSignal,
): Promise<void> {
  await conn.json({
    method: 'PUT',
    path: conn.compat(`/containers/${id}/archive`),
    query: { path: '/' },
    body: tar,
    headers: { 'content-type': 'application/x-tar' },
    ok: [200],
    signal,
  });
}
