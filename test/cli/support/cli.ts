// Runs the BUILT `imagebuild` binary as a user would after `npm i -g` (node packages/cli/dist/bin.js).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
};

/**
 * Builds every package (`npm run build`'s first step) when the CLI's dist is missing or older than a
 * source file: the binary imports the sibling packages through their dist entries, as when installed.
 */
export function ensureBuilt(): void {
  const pkgs = readdirSync(join(ROOT, 'packages')).filter((p) => p !== 'testkit');
  const stale = pkgs.some((p) => {
    const dist = join(ROOT, 'packages', p, 'dist', 'index.js');
    return !existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(ROOT, 'packages', p, 'src'));
  });
  if (stale || !existsSync(BIN))
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string;
}

/** A running `imagebuild` process: its output so far, signals, and its end. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
}

export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin?.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor: (text, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const tick = (): void => {
          const hit = typeof text === 'string' ? out.includes(text) : text.test(out);
          if (hit) resolve(out);
          else if (child.exitCode !== null || Date.now() > deadline)
            reject(new Error(`"${String(text)}" not seen; stdout:\n${out}\nstderr:\n${err}`));
          else setTimeout(tick, 50);
        };
        tick();
      }),
  };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** A temporary directory named ib-cli-* removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ib-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Containers and images on an engine carrying `io.imagebuild.job=<uid>` for any of `uids`. */
export async function labelledLeftovers(socketPath: string, uids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const uid of uids) {
    const filters = encodeURIComponent(JSON.stringify({ label: [`io.imagebuild.job=${uid}`] }));
    for (const path of [`/containers/json?all=true&filters=${filters}`, `/images/json?all=true&filters=${filters}`]) {
      const list = await getJson(socketPath, path);
      for (const item of list as Array<{ Id: string }>) out.push(`${path.split('/')[1]}:${item.Id} (job ${uid})`);
    }
  }
  return out;
}

function getJson(socketPath: string, path: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as unknown[]);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
