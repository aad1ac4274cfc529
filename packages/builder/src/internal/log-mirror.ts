import type { Logger } from '@imagebuild/core';
import type { SharedStore } from '../store/shared-store.js';
import type { JobKind } from '../watch/events.js';

/** Lines are sent at most this long after they were written (batched: one insert per job per batch). */
const BATCH_MS = 50;
/** A batch is sent at once when it reaches this many lines (bounded memory per job). */
const BATCH_LINES = 256;

interface Pending {
  lines: string[];
  timer: NodeJS.Timeout | undefined;
  /** The last send: sends of one job are in order. */
  sent: Promise<void>;
}

/**
 * Copies a job's log lines to the shared store in batches, keyed by the job's creation `seq` (a deleted
 * and re-created namesake gets a log of its own), so any process can read and follow it. `flush`
 * resolves once every line written so far is stored: the runner of a job flushes before its terminal
 * write, so a reader that sees the job end finds the whole log.
 */
export class LogMirror {
  readonly #jobs = new Map<string, Pending>();
  /** Jobs whose lines could not be stored, said once until a send succeeds again (no log flood). */
  readonly #failing = new Set<string>();

  constructor(
    readonly store: SharedStore,
    readonly logger: Logger,
    /** The `seq` of a job this process holds, when known without a read. */
    readonly seqOf: (kind: JobKind, name: string) => number | undefined = () => undefined,
  ) {}

  /** Queues a line (already redacted) of a job's log. */
  line(kind: JobKind, name: string, line: string): void {
    const key = `${kind}/${name}`;
    let p = this.#jobs.get(key);
    if (!p) {
      p = { lines: [], timer: undefined, sent: Promise.resolve() };
      this.#jobs.set(key, p);
    }
    p.lines.push(line);
    if (p.lines.length >= BATCH_LINES) this.#send(kind, name, p);
    else p.timer ??= setTimeout(() => this.#send(kind, name, p), BATCH_MS);
  }

  /** Resolves once every line queued so far for this job is stored (or could not be). */
  flush(kind: JobKind, name: string): Promise<void> {
    const p = this.#jobs.get(`${kind}/${name}`);
    if (!p) return Promise.resolve();
    this.#send(kind, name, p);
    return p.sent;
  }

  /** Resolves once every queued line of every job is stored. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#jobs.keys()].map((key) => this.flush(...(key.split('/') as [JobKind, string]))));
  }

  #send(kind: JobKind, name: string, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    if (p.lines.length === 0) return;
    const lines = p.lines;
    p.lines = [];
    const key = `${kind}/${name}`;
    p.sent = p.sent.then(async () => {
      try {
        const seq = this.seqOf(kind, name) ?? (await this.store.get(kind, name))?.seq;
        if (seq !== undefined) await this.store.logs.append(kind, name, String(seq), lines);
        this.#failing.delete(key);
      } catch (err) {
        if (!this.#failing.has(key)) {
          this.#failing.add(key);
          this.logger.warn('job log lines could not be stored', { kind, name, lines: lines.length, error: err });
        }
      }
      // forget an idle job (its next line starts afresh)
      if (this.#jobs.get(key) === p && p.lines.length === 0 && !p.timer) this.#jobs.delete(key);
    });
  }
}
