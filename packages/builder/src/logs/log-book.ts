import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { redactText, throwIfAborted } from '@imagebuild/core';
import { JobLog } from './job-log.js';
import { IoLane } from './io-lane.js';

const BATCH = 5000;

/** Options of `logs()`. */
export interface LogReadOptions {
  /** Keep reading until the job ends. Default false: return what is there now. */
  follow?: boolean | undefined;
  /** Line offset to start at (0-based): resume where a previous read stopped, with no duplicates. */
  from?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Every job's log: files under one directory, plus bounded in-memory tails of running jobs.
 * File work is asynchronous and, per path, in order (a deleted job's file is gone before a
 * namesake's log starts).
 */
export class LogBook {
  readonly #logs = new Map<string, JobLog>();
  /** Per file: the last pending piece of work on it (a log's close, a removal). */
  readonly #tails = new Map<string, Promise<void>>();
  /** One file operation at a time for all logs (see IoLane). */
  readonly #lane = new IoLane();

  constructor(
    readonly dir: string,
    readonly ringSize: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  #file(kind: string, name: string): string {
    return join(this.dir, `${kind}.${name}.log`);
  }

  #chain(file: string, work: Promise<void>): void {
    this.#tails.set(file, work);
    void work.then(() => {
      if (this.#tails.get(file) === work) this.#tails.delete(file);
    });
  }

  /** Starts a fresh log for a new job (any file left by a deleted namesake is removed first). */
  create(kind: string, name: string): JobLog {
    const file = this.#file(kind, name);
    const log = new JobLog(file, this.ringSize, 0, { fresh: true, after: this.#tails.get(file), lane: this.#lane });
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
      log = this.#logs.get(key);
      if (!log) {
        log = new JobLog(file, this.ringSize, total, { after: this.#tails.get(file), lane: this.#lane });
        if (ended) log.end();
        this.#logs.set(key, log);
      }
    }
    return log;
  }

  /** Appends a line to a job's log, with credentials redacted. */
  write(log: JobLog, line: string): void {
    log.line(redactText(line));
  }

  /** Forgets a job's log and deletes its file (once its pending writes are done). */
  remove(kind: string, name: string): void {
    const key = `${kind}/${name}`;
    const file = this.#file(kind, name);
    const log = this.#logs.get(key);
    log?.end();
    this.#logs.delete(key);
    const before = log?.settled() ?? this.#tails.get(file) ?? Promise.resolve();
    this.#chain(
      file,
      before.then(() => this.#lane.run(() => rm(file, { force: true }))).catch(() => undefined),
    );
  }

  /** Resolves when every ended log is on disk and closed, and every removal is done. */
  async flush(): Promise<void> {
    await Promise.all([...[...this.#logs.values()].map((l) => l.settled()), ...this.#tails.values()]);
  }

  /** Reads lines `[from, ∞)`; with `follow`, waits for more until `isEnded()` and the log is drained. */
  async *read(log: JobLog, options: LogReadOptions): AsyncGenerator<string, void, undefined> {
    let next = Math.max(0, options.from ?? 0);
    const signal = options.signal;
    for (;;) {
      throwIfAborted(signal);
      if (next < log.total) {
        let lines = log.fromRing(next);
        if (!lines) {
          // Older than the in-memory tail: from the file, once the writer has put them there.
          if (next >= log.flushed) {
            if (log.error) throw log.error;
            await log.changed(signal);
            continue;
          }
          lines = await readLines(log.file, next, Math.min(log.flushed, next + BATCH));
        }
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
