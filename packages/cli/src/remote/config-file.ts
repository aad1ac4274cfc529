import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { usage } from '../exit.js';

/** One server the CLI talks to (what `login` stores). */
export interface ContextEntry {
  /** The core Flight Control API (or `imagebuild serve`) URL given to `login`. */
  server: string;
  /** The image-builder API address, derived as `flightctl login` derives it. */
  'image-builder-server': string;
  token?: string | undefined;
  organization?: string | undefined;
  /** PEM of the CA that signs the server's certificate. */
  'certificate-authority-data'?: string | undefined;
  'insecure-skip-tls-verify'?: boolean | undefined;
}

export interface ClientConfig {
  'current-context'?: string | undefined;
  contexts: Record<string, ContextEntry>;
}

export const CONFIG_FILE = 'client.yaml';

/** `--config-dir`, else `$XDG_CONFIG_HOME/imagebuild`, else `~/.config/imagebuild`. */
export function configDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'imagebuild');
}

export function readConfig(dir: string): ClientConfig {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no config file yet is an empty one
    return { contexts: {} };
  }
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 10 });
  } catch (err) {
    throw usage(
      `${file}: invalid YAML (${(err as Error).message.split('\n')[0]})`,
      'fix or remove the file and log in again',
    );
  }
  const obj = (value ?? {}) as Partial<ClientConfig>;
  if (typeof obj !== 'object' || Array.isArray(obj) || (obj.contexts !== undefined && typeof obj.contexts !== 'object'))
    throw usage(
      `${file}: contexts: must be a map of context name to settings`,
      'fix or remove the file and log in again',
    );
  const contexts = obj.contexts ?? {};
  for (const [name, c] of Object.entries(contexts)) {
    if (!c || typeof c.server !== 'string' || typeof c['image-builder-server'] !== 'string')
      throw usage(`${file}: contexts.${name}.server: is required`, `run \`imagebuild login URL -c ${name}\` again`);
  }
  return { 'current-context': obj['current-context'], contexts };
}

/** Writes the file with mode 0600 (it holds tokens) through a temporary file, so a crash leaves the old one. */
export function writeConfig(dir: string, config: ClientConfig): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, CONFIG_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, stringify(config, { lineWidth: 0 }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return file;
}
