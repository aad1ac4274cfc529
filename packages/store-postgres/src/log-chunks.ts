import { SdkError } from '@imagebuild/core';
import type { JobKind, JobLogs } from '@imagebuild/builder';
import type pg from 'pg';
import { Batcher, type Outcome, rowsByItem } from './internal/batcher.js';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

/** Lines per stored chunk and bytes per chunk: a log is read and written in bounded pieces. */
export const LOG_CHUNK_LINES = 256;
/** Bytes per stored chunk at most (a longer single line is a chunk of its own). */
export const LOG_CHUNK_BYTES = 64 * 1024;

interface Chunk {
  kind: JobKind;
  name: string;
  uid: string;
  lines: string[];
}

/**
 * Job logs in PostgreSQL, so any process can read (and follow) the log of a job running elsewhere:
 * appended in chunks of at most {@link LOG_CHUNK_LINES} lines and {@link LOG_CHUNK_BYTES} bytes, one row
 * each, keyed by the job's incarnation (`uid`). No notification: a follower polls, and PostgreSQL
 * wakes every listening connection of the database at any notification, whatever its channel.
 */
export class LogChunks implements JobLogs {
  readonly #query: Query;
  /** Chunks of several jobs appended at one moment share a statement (see {@link Batcher}). */
  readonly #appends = new Batcher<Chunk, number>((chunks) => this.#appendMany(chunks), {
    maxItems: 100,
    maxInFlight: 1,
  });

  constructor(query: Query) {
    this.#query = query;
  }

  /** Appends lines (the job's owner is the only appender); resolves the number of lines now stored. */
  async append(kind: JobKind, name: string, uid: string, lines: readonly string[]): Promise<number> {
    let total = 0;
    for (const chunk of split(lines)) {
      total = await this.#appends.submit({ kind, name, uid, lines: chunk }, `${kind}/${name}/${uid}`);
    }
    return total;
  }

  async #appendMany(chunks: readonly Chunk[]): Promise<Outcome<number>[]> {
    const { rows } = await this.#query<{ ord: string; total: number }>(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) WITH ORDINALITY
           AS i(kind, name, uid, line_count, lines, ord)),
       w AS (INSERT INTO ib_log_chunks (kind, name, uid, chunk, first_line, line_count, lines)
         SELECT i.kind, i.name, i.uid, last.chunk, last.first, i.line_count, i.lines FROM i CROSS JOIN LATERAL (
           SELECT coalesce(max(chunk) + 1, 0) AS chunk, coalesce(max(first_line + line_count), 0) AS first
           FROM ib_log_chunks c WHERE c.kind = i.kind AND c.name = i.name AND c.uid = i.uid) last
         RETURNING kind, name, uid, first_line + line_count AS total)
       SELECT i.ord, w.total FROM w JOIN i USING (kind, name, uid)`,
      [
        chunks.map((c) => c.kind),
        chunks.map((c) => c.name),
        chunks.map((c) => c.uid),
        chunks.map((c) => c.lines.length),
        chunks.map((c) => JSON.stringify(c.lines)),
      ],
    );
    return rowsByItem(chunks.length, rows).map((row) =>
      row
        ? { ok: true, value: row.total }
        : { ok: false, error: new SdkError('INTERNAL', 'a log chunk was not stored') },
    );
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
