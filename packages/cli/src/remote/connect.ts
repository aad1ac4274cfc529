import type { ImageBuilderClient } from '@imagebuild/client';
import { usage } from '../exit.js';
import { parseDuration } from '../internal/duration.js';
import { configDir, readConfig, type ContextEntry } from './config-file.js';

/** The global options every remote command reads. */
export interface GlobalOptions {
  configDir?: string;
  context?: string;
  org?: string;
  requestTimeout?: string;
  debug?: boolean;
}

export function currentContext(globals: GlobalOptions): { name: string; entry: ContextEntry } {
  const dir = configDir(globals.configDir);
  const config = readConfig(dir);
  const name = globals.context ?? config['current-context'];
  if (!name)
    throw usage('not logged in to any server', 'run `imagebuild login URL --token TOKEN` first (or use --local)');
  const entry = config.contexts[name];
  if (!entry)
    throw usage(
      `context "${name}" not found in ${dir}`,
      `known contexts: ${Object.keys(config.contexts).join(', ') || 'none'}; run \`imagebuild login URL -c ${name}\``,
    );
  return { name, entry };
}

/** A client for the current context (`-c` picks another, `--org` overrides its organization). */
export function connect(globals: GlobalOptions): Promise<ImageBuilderClient> {
  const { entry } = currentContext(globals);
  return clientFor(entry, globals);
}

/** Loaded on demand: commands that never talk to a server start without the client and undici. */
export async function clientFor(entry: ContextEntry, globals: GlobalOptions): Promise<ImageBuilderClient> {
  const { ImageBuilderClient } = await import('@imagebuild/client');
  const ca = entry['certificate-authority-data'];
  const insecure = entry['insecure-skip-tls-verify'] === true;
  const timeoutMs =
    globals.requestTimeout === undefined ? undefined : parseDuration('--request-timeout', globals.requestTimeout);
  return new ImageBuilderClient({
    baseUrl: entry['image-builder-server'],
    coreBaseUrl: entry.server,
    token: entry.token,
    orgId: globals.org ?? entry.organization,
    ...(ca || insecure ? { tls: { ...(ca ? { ca } : {}), ...(insecure ? { rejectUnauthorized: false } : {}) } } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    userAgent: 'imagebuild-cli',
  });
}
