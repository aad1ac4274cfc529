import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, EXIT } from '../exit.js';

/** `--state` default: `$XDG_DATA_HOME/imagebuild`, else `~/.local/share/imagebuild`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'imagebuild');
}

export interface StateDir {
  dir: string;
  db: string;
  logs: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

export function stateDir(dir: string | undefined): { dir: string; db: string; logs: string } {
  const d = resolve(dir ?? defaultStateDir());
  return { dir: d, db: join(d, 'state.db'), logs: join(d, 'logs') };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** The pid holding the state directory's lock, when that process still runs. */
export function lockHolder(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'lock'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    // no state file: no previous state
    return undefined;
  }
}

/**
 * Takes the state directory for this process: one `build`, `serve` or `delete --local` at a time,
 * since opening the store runs restart recovery (which would fail another process's running jobs).
 */
export function lockStateDir(dir: string | undefined): StateDir {
  const s = stateDir(dir);
  mkdirSync(s.logs, { recursive: true, mode: 0o700 });
  const lock = join(s.dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        ...s,
        release: () => {
          if (released) return;
          released = true;
          rmSync(lock, { force: true });
        },
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const holder = lockHolder(s.dir);
      if (holder !== undefined)
        throw new CliError(
          `state directory ${s.dir} is in use by process ${holder}`,
          EXIT.USAGE,
          'wait for it to finish, stop it, or pass another --state DIR',
        );
      rmSync(lock, { force: true }); // left by a process that is gone
    }
  }
  throw new CliError(`cannot lock state directory ${s.dir}`, EXIT.USAGE);
}

/** The key sealing Repository passwords in the store, kept beside it (mode 0600) so they survive restarts. */
export function credentialKey(dir: string): Buffer {
  const file = join(dir, 'credential.key');
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // first use
  }
  const key = randomBytes(32);
  const fd = openSync(file, 'w', 0o600);
  writeSync(fd, key);
  closeSync(fd);
  return key;
}
