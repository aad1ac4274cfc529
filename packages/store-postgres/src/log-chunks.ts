import { SdkError } from '@imagebuild/core';
import type { JobKind, JobLogs } from '@imagebuild/builder';
import type pg from 'pg';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

/** Lines per stored chunk and bytes per chunk: a log is read and written in bounded pieces. */
export const LOG_CHUNK_LINES = 256;
/** Bytes per stored chunk at most (a longer single line is a chunk of its own). */
export const LOG_CHUNK_BYTES = 64 * 1024;

/**
 * Job logs in PostgreSQL, so any process can read (and follow) the log of a job running elsewhere:
 * appended in chunks of at most {@link LOG_CHUNK_LINES} lines and {@link LOG_CHUNK_BYTES} bytes, one row
 * each, keyed by the job's incarnation (`uid`), with a notification (`ib_logs`) at every append.
 */
export class LogChunks implements JobLogs {
  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
  }

  /** Appends lines (the job's owner is the only appender); resolves the number of lines now stored. */
  async append(kind: JobKind, name: string, uid: string, lines: readonly string[]): Promise<number> {
    let total = 0;
    for (const chunk of split(lines)) {
      const { rows } = await this.#query<{ total: number }>(
        `WITH last AS (SELECT coalesce(max(chunk) + 1, 0) AS chunk, coalesce(max(first_line + line_count), 0) AS first
           FROM ib_log_chunks WHERE kind = $1 AND name = $2 AND uid = $3),
         w AS (INSERT INTO ib_log_chunks (kind, name, uid, chunk, first_line, line_count, lines)
           SELECT $1, $2, $3, last.chunk, last.first, $4, $5 FROM last RETURNING first_line + line_count AS total)
         SELECT w.total, pg_notify('ib_logs', $1 || '/' || $2) FROM w`,
        [kind, name, uid, chunk.length, JSON.stringify(chunk)],
      );
      total = rows[0]!.total;
    }
    return total;
  }

  /** Lines `from` (0-based) onwards, at most `limit` (default 10,000), of one incarnation of a job. */
  async read(kind: JobKind, name: string, uid: string, from = 0, limit = 10_000): Promise<string[]> {
    if (!(limit > 0)) throw new SdkError('VALIDATION', 'LogChunks.read: limit must be > 0');
    const { rows } = await this.#query<{ first_line: number; lines: string }>(
      `SELECT first_line, lines FROM ib_log_chunks
       WHERE kind = $1 AND name = $2 AND uid = $3 AND first_line + line_count > $4 AND first_line < $4 + $5
       ORDER BY chunk`,
      [kind, name, uid, from, limit],
    );
    const out: string[] = [];
    for (const row of rows) {
      const lines = JSON.parse(row.lines) as string[];
      for (let i = Math.max(0, from - row.first_line); i < lines.length && out.length < limit; i++) out.push(lines[i]!);
    }
    return out;
  }

  /** Lines stored for one incarnation of a job. */
  async count(kind: JobKind, name: string, uid: string): Promise<number> {
    const { rows } = await this.#query<{ n: number | null }>(
      'SELECT max(first_line + line_count) AS n FROM ib_log_chunks WHERE kind = $1 AND name = $2 AND uid = $3',
      [kind, name, uid],
    );
    return rows[0]?.n ?? 0;
  }

  /** Removes every chunk of a job (all incarnations). */
  async remove(kind: JobKind, name: string): Promise<void> {
    await this.#query('DELETE FROM ib_log_chunks WHERE kind = $1 AND name = $2', [kind, name]);
  }
}

function* split(lines: readonly string[]): Generator<string[]> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 4;
    if (chunk.length > 0 && (chunk.length >= LOG_CHUNK_LINES || bytes + size > LOG_CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(line);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
