import { existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SdkError } from '@imagebuild/core';
import { redactText } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import { JobLog } from './job-log.js';
import { IoLane } from './io-lane.js';
import { indexFile, readLineRange } from './line-index.js';

/** Options of `logs()`. */
export interface LogReadOptions {
  /** Keep reading until the job ends. Default false: return what is there now. */
  follow?: boolean | undefined;
  /** Line offset to start at (0-based): resume where a previous read stopped, with no duplicates. */
  from?: number | undefined;
  /** Ends the read (it then throws `AbortError`). */
  signal?: AbortSignal | undefined;
}

/** Which lines of a log `readLog()` returns: the last `tail` lines, or `limit` lines from `from`. */
export interface LogWindowOptions {
  /** First line (0-based). Default: `total - tail`. */
  from?: number | undefined;
  /** Lines before the end to start at, when `from` is not given. Default 500 (upstream's stored tail). */
  tail?: number | undefined;
  /** Most lines returned. Default: to the end of what is there now. */
  limit?: number | undefined;
  /** Aborts opening and streaming the window. */
  signal?: AbortSignal | undefined;
}

/** A window of a log: lines `[from, to)` of the `total` there were when it was opened, streamed from disk. */
export interface LogWindow {
  /** First line of the window (0-based). */
  from: number;
  /** End of the window (exclusive): the `from` of the next page. */
  to: number;
  /** Lines in the log when the window was opened. */
  total: number;
  /** The window's lines, read from disk as they are iterated. */
  lines: AsyncGenerator<string, void, undefined>;
}

/** Lines `readLog()` returns by default: the last 500, what upstream keeps of a finished log. */
export const DEFAULT_LOG_TAIL = 500;

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

  /** Receives every line written, with its job (a shared store copies them for other processes). */
  sink: ((kind: string, name: string, line: string) => void) | undefined;
  /** The job of each open log, for the sink. */
  readonly #jobOf = new WeakMap<JobLog, [string, string]>();

  constructor(
    readonly dir: string,
    readonly ringSize: number,
    /** The directory is a temporary one of ours: `dispose()` removes it. */
    readonly temporary = false,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Waits for pending file work, then removes the directory if it is a temporary one. */
  async dispose(): Promise<void> {
    await this.flush();
    if (this.temporary) await rm(this.dir, { recursive: true, force: true });
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
    const log = new JobLog(file, this.ringSize, { fresh: true, after: this.#tails.get(file), lane: this.#lane });
    this.#logs.set(`${kind}/${name}`, log);
    this.#jobOf.set(log, [kind, name]);
    return log;
  }

  /** The log of a job; after a restart it is reopened from its file (`ended` as given). */
  async get(kind: string, name: string, ended: boolean): Promise<JobLog> {
    const key = `${kind}/${name}`;
    let log = this.#logs.get(key);
    if (!log) {
      const file = this.#file(kind, name);
      const found = existsSync(file) ? await indexFile(file) : undefined;
      log = this.#logs.get(key);
      if (!log) {
        log = new JobLog(file, this.ringSize, {
          after: this.#tails.get(file),
          lane: this.#lane,
          index: found?.index,
          unterminated: found?.unterminated,
        });
        if (ended) log.end();
        this.#logs.set(key, log);
        this.#jobOf.set(log, [kind, name]);
      }
    }
    return log;
  }

  /** Appends a line to a job's log, with credentials redacted. */
  write(log: JobLog, line: string): void {
    const text = redactText(line);
    log.line(text);
    const job = this.sink && this.#jobOf.get(log);
    if (job) this.sink!(job[0], job[1], text);
  }

  /** Forgets a job's log and deletes its file (once its pending writes are done). */
  remove(kind: string, name: string): void {
    const key = `${kind}/${name}`;
    const file = this.#file(kind, name);
    const log = this.#logs.get(key);
    log?.end();
    this.#logs.delete(key);
    const before = log?.settled() ?? this.#tails.get(file) ?? Promise.resolve();
    // best-effort removal: a namesake's fresh log truncates a leftover file ('w')
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
  read(log: JobLog, options: LogReadOptions): AsyncGenerator<string, void, undefined> {
    return this.#read(log, Math.max(0, options.from ?? 0), Number.POSITIVE_INFINITY, options);
  }

  /** Lines `[from, from + limit)` — or the last `tail` — of the lines there are now, with the bounds. */
  window(log: JobLog, options: LogWindowOptions): LogWindow {
    const total = log.total;
    const from = Math.min(total, Math.max(0, options.from ?? total - (options.tail ?? DEFAULT_LOG_TAIL)));
    const to = options.limit === undefined ? total : Math.min(total, from + Math.max(0, options.limit));
    return { from, to, total, lines: this.#read(log, from, to, { signal: options.signal }) };
  }

  async *#read(
    log: JobLog,
    from: number,
    to: number,
    options: LogReadOptions,
  ): AsyncGenerator<string, void, undefined> {
    let next = from;
    const signal = options.signal;
    while (next < to) {
      throwIfAborted(signal);
      if (next < log.total) {
        const ring = log.fromRing(next);
        if (ring) {
          for (const line of ring) {
            if (next >= to) return;
            yield line;
            next++;
          }
          continue;
        }
        // Older than the in-memory tail: from the file, once the writer has put them there.
        if (next >= log.flushed) {
          if (log.error) throw log.error;
          await log.changed(signal);
          continue;
        }
        const start = next;
        for await (const line of readLineRange(log.file, log.index, next, Math.min(log.flushed, to))) {
          yield line;
          next++;
        }
        if (next === start) throw new SdkError('INTERNAL', `the job log ${log.file} is shorter than its line count`);
        continue;
      }
      if (!options.follow || log.ended) return;
      await log.changed(signal);
    }
  }
}
