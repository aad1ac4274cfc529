import { createReadStream, existsSync, mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { redactText, throwIfAborted } from '@imagebuild/core';
import { JobLog } from './job-log.js';

const BATCH = 5000;

/** Options of `logs()`. */
export interface LogReadOptions {
  /** Keep reading until the job ends. Default false: return what is there now. */
  follow?: boolean | undefined;
  /** Line offset to start at (0-based): resume where a previous read stopped, with no duplicates. */
  from?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Every job's log: files under one directory, plus bounded in-memory tails of running jobs. */
export class LogBook {
  readonly #logs = new Map<string, JobLog>();

  constructor(
    readonly dir: string,
    readonly ringSize: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  #file(kind: string, name: string): string {
    return join(this.dir, `${kind}.${name}.log`);
  }

  /** Starts a fresh log for a new job (any file left by a deleted namesake is emptied). */
  create(kind: string, name: string): JobLog {
    const file = this.#file(kind, name);
    if (existsSync(file)) truncateSync(file, 0);
    const log = new JobLog(file, this.ringSize);
    this.#logs.set(`${kind}/${name}`, log);
    return log;
  }

  /** The log of a job; after a restart it is reopened from its file (`ended` as given). */
  async get(kind: string, name: string, ended: boolean): Promise<JobLog> {
    const key = `${kind}/${name}`;
    let log = this.#logs.get(key);
    if (!log) {
      const file = this.#file(kind, name);
      const total = existsSync(file) ? await countLines(file) : 0;
      log = this.#logs.get(key) ?? new JobLog(file, this.ringSize, total);
      if (ended) log.end();
      this.#logs.set(key, log);
    }
    return log;
  }

  /** Appends a line to a job's log, with credentials redacted. */
  write(log: JobLog, line: string): void {
    log.line(redactText(line));
  }

  /** Forgets a job's log and deletes its file. */
  remove(kind: string, name: string): void {
    const key = `${kind}/${name}`;
    this.#logs.get(key)?.end();
    this.#logs.delete(key);
    rmSync(this.#file(kind, name), { force: true });
  }

  /** Reads lines `[from, ∞)`; with `follow`, waits for more until `isEnded()` and the log is drained. */
  async *read(log: JobLog, options: LogReadOptions): AsyncGenerator<string, void, undefined> {
    let next = Math.max(0, options.from ?? 0);
    const signal = options.signal;
    for (;;) {
      throwIfAborted(signal);
      if (next < log.total) {
        const lines = log.fromRing(next) ?? (await readLines(log.file, next, Math.min(log.total, next + BATCH)));
        for (const line of lines) {
          yield line;
          next++;
        }
        continue;
      }
      if (!options.follow || log.ended) return;
      await log.changed(signal);
    }
  }
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

async function readLines(file: string, from: number, to: number): Promise<string[]> {
  const out: string[] = [];
  if (to <= from) return out;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let i = 0;
  try {
    for await (const line of rl) {
      if (i >= from) out.push(line);
      if (++i >= to) break;
    }
  } finally {
    rl.close();
  }
  return out;
}
