/**
 * Runs `adapter-child.ts` in its own Node process and measures it: each hostile case is wrapped
 * by `budget()`, which reads the child's CPU time and RSS before and after over IPC. Everything
 * the child prints and every response the suite reads is kept, to look for the secret canary.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Measure {
  cpuMs: number;
  rss: number;
}

export interface Child {
  url: string;
  port: number;
  token: string;
  canary: string;
  /** stdout and stderr of the child so far. */
  output(): string;
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  measure(): Promise<Measure>;
  setLines(n: number): Promise<void>;
  stop(): Promise<void>;
}

export const CPU_BUDGET_MS = 1000;
export const RSS_BUDGET_BYTES = 200 * 1024 * 1024;

export async function startChild(): Promise<Child> {
  const token = `tok-${randomUUID()}`;
  const canary = `CANARY-${randomUUID()}`;
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child: ChildProcess = fork(fileURLToPath(new URL('./adapter-child.ts', import.meta.url)), [], {
    execArgv: ['--import', tsx, '--conditions=@imagebuild/source'],
    env: { ...process.env, IB_HOSTILE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => {
    exit = { code, signal };
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', () => reject(new Error(`the adapter process did not start:\n${out}`)));
  });
  let next = 0;
  const call = <T>(msg: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const onMessage = (m: { id?: number }): void => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      if (!child.send({ ...msg, id })) reject(new Error('the adapter process is gone'));
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    canary,
    output: () => out,
    exited: () => exit,
    measure: () => call<Measure>({ cmd: 'measure' }),
    setLines: async (lines) => {
      await call({ cmd: 'lines', lines });
    },
    stop: async () => {
      if (exit) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Runs a case and returns the child's CPU time and RSS growth over it. */
export async function budget(child: Child, run: () => Promise<void>): Promise<{ cpuMs: number; rssGrowth: number }> {
  const before = await child.measure();
  await run();
  const after = await child.measure();
  return { cpuMs: after.cpuMs - before.cpuMs, rssGrowth: after.rss - before.rss };
}
