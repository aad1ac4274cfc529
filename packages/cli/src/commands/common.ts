import type { Command } from 'commander';
import { collect } from '../internal/options.js';
import type { ResourceSource } from '../internal/source.js';
import { connect, type GlobalOptions } from '../remote/connect.js';
import { remoteSource } from '../remote/remote-source.js';

export interface SourceOptions extends GlobalOptions {
  local?: boolean;
  state?: string;
  engine?: string[];
}

/** Adds `--local`, `--state` (and `--engine` when the command may need engines). */
export function localFlags(cmd: Command, engines = false): Command {
  cmd.option('--local', 'act on the local state directory (what `imagebuild build` wrote) instead of a server');
  cmd.option('--state <dir>', 'local state directory (with --local; default ~/.local/share/imagebuild)');
  if (engines) cmd.option('--engine <url>', 'container engine for --local (repeatable; default: discovery)', collect);
  return cmd;
}

export async function openSource(opts: SourceOptions): Promise<ResourceSource> {
  if (opts.local) {
    const { localSource } = await import('../local/local-source.js');
    return localSource({ state: opts.state, engine: opts.engine });
  }
  return remoteSource(await connect(opts));
}

export async function withSource<T>(opts: SourceOptions, fn: (s: ResourceSource) => Promise<T>): Promise<T> {
  const source = await openSource(opts);
  try {
    return await fn(source);
  } finally {
    // best-effort close after the command's result is known
    await source.close().catch(() => undefined);
  }
}
