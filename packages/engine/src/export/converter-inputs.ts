import { pack } from 'tar-stream';
import { CONTEXT_MTIME } from '@imagebuild/core/containerfile';
import { ValidationError } from '@imagebuild/core/errors';
import type { EngineConnection } from '../connection/engine-connection.js';

/** Where the inputs land in the created container (its writable layer): the script moves them at once. */
export const INPUTS_DIR = '.imagebuild-in';

export interface ConverterInputs {
  /** Registry host[:port] the image is pulled from. */
  registry: string;
  credentials: { username: string; password: string } | undefined;
  caPem: string | undefined;
  /** bootc-image-builder config JSON. */
  configJson: string | undefined;
  /** The config holds a secret (a user password): never in argv. */
  configSecret: boolean;
}

/** How the inputs reach the converter: public ones as script arguments, the rest as a tar. */
export interface ConverterHandOver {
  /** For the archive API; undefined when nothing needs it (no archive round trip before the start). */
  tar: Buffer | undefined;
  /** The CA PEM as a script argument ('' when none or in the tar). */
  caArg: string;
  /** The config JSON as a script argument ('' when none or in the tar). */
  configArg: string;
}

/** Linux caps one argv string at 128 KiB: a larger public input goes through the archive API too. */
const ARGV_INPUT_MAX = 64 * 1024;
/** host[:port] or [ipv6][:port]: one safe directory name under certs.d (no `/`, no `..`). */
const REGISTRY_DIR = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::\d{1,5})?$/;

/**
 * Splits the converter's inputs by what may be seen: the registry CA (public) and a config without
 * secrets go as script arguments, which saves the archive round trip before the start (~150 ms on
 * both engines); credentials and a config with a password never reach Env, Cmd, labels or a volume:
 * they go as a tar for the archive API (`auth.json`, `certs.d/<registry>/ca.crt`, `config.json`,
 * mode 0600 in a 0700 directory), put into the created, not yet started container. The converter
 * script's first step moves them into a tmpfs (`/run/containers`) and deletes the rest, and the
 * container is removed when the export ends.
 */
export async function converterHandOver(inputs: ConverterInputs): Promise<ConverterHandOver> {
  if (!REGISTRY_DIR.test(inputs.registry))
    throw new ValidationError([{ path: 'spec.registry', message: 'must be host[:port] (a certs.d directory name)' }]);
  const fits = (v: string | undefined): v is string => v !== undefined && Buffer.byteLength(v) <= ARGV_INPUT_MAX;
  const caArg = fits(inputs.caPem) ? inputs.caPem : '';
  const configArg = !inputs.configSecret && fits(inputs.configJson) ? inputs.configJson : '';
  const tar = await inputsTar({
    credentials: inputs.credentials,
    registry: inputs.registry,
    caPem: caArg ? undefined : inputs.caPem,
    configJson: configArg ? undefined : inputs.configJson,
  });
  return { tar, caArg, configArg };
}

async function inputsTar(inputs: Omit<ConverterInputs, 'configSecret'>): Promise<Buffer | undefined> {
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
