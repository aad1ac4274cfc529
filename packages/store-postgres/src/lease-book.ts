import { ConflictError, NotFoundError, SdkError } from '@imagebuild/core';
import {
  LeaseLostError,
  type Claim,
  type ClaimOptions,
  type JobKind,
  type Lease,
  type Leases,
  type StoredRecord,
} from '@imagebuild/builder';
import type pg from 'pg';
import { Batcher, type Outcome, rowsByItem } from './internal/batcher.js';
import { recordChange, type ResourceRow, toRecord, writeParams } from './internal/rows.js';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

const ACTIVE_LOCK = 0x1b_5702;

interface Write {
  lease: Lease;
  record: StoredRecord<JobKind>;
  expectedVersion: number;
}
interface Renewal {
  lease: Lease;
  ttlMs: number;
}
type Renewed = { lease: Lease; cancelRequested: boolean } | undefined;
const keyOf = (lease: Lease): string => `${lease.kind}/${lease.name}`;
/**
 * Locks the rows of a statement's items (`i`) in one order before it writes them: two statements that
 * write several rows each (this process's renewals and writes, or two processes') never wait for
 * each other in a cycle.
 */
const LOCK_IN_ORDER = `l AS (SELECT r.kind, r.name FROM ib_resources r JOIN i ON r.kind = i.kind AND r.name = i.name
    ORDER BY r.kind, r.name FOR UPDATE OF r)`;

/**
 * Leases on jobs: `claim` takes open jobs nobody holds (or whose holder's lease expired) with
 * `FOR UPDATE SKIP LOCKED`, so concurrent claimers never block each other nor get the same job;
 * `renew` extends a lease only while it is still this holder's and epoch's; `update` is the fenced
 * write: it succeeds only for the live lease's holder and epoch.
 */
export class LeaseBook implements Leases {
  readonly #query: Query;
  readonly #pool: pg.Pool;
  readonly #ready: () => Promise<void>;
  /** The fenced writes and renewals of one moment, of any jobs, share a statement (see {@link Batcher}). */
  readonly #writes = new Batcher<Write, void>((ws) => this.#writeMany(ws), { maxItems: 200, maxInFlight: 1 });
  readonly #renewals = new Batcher<Renewal, Renewed>((rs) => this.#renewMany(rs), { maxItems: 500, maxInFlight: 1 });

  constructor(query: Query, pool: pg.Pool, ready: () => Promise<void>) {
    this.#query = query;
    this.#pool = pool;
    this.#ready = ready;
  }

  /**
   * Claims up to `limit` open jobs, oldest first, for `holder` (with a new epoch each). A job whose
   * previous lease expired is taken over: its claim names the `previousHolder`.
   */
  async claim(holder: string, options: ClaimOptions): Promise<Claim[]> {
    const kinds = options.kinds ?? ['ImageBuild', 'ImageExport'];
    const limit = options.limit ?? 1;
    const abandoned = options.abandoned === true;
    if (!(options.ttlMs > 0)) throw new SdkError('VALIDATION', 'claim: ttlMs must be > 0');
    const sql = `WITH cand AS (
        SELECT kind, name, lease_holder AS prev, lease_expires AS prev_expires FROM ib_resources j
        WHERE open AND kind = ANY($1) AND (lease_expires IS NULL OR lease_expires <= now())
          AND ($5::boolean IS NOT TRUE OR (lease_expires IS NOT NULL AND coalesce(jsonb_path_query_first(object::jsonb,
            '$.status.conditions[*] ? (@.type == "Ready").reason') #>> '{}', 'Pending') <> 'Pending'))
          AND (after_build IS NULL OR NOT EXISTS (
            SELECT 1 FROM ib_resources b WHERE b.kind = 'ImageBuild' AND b.name = j.after_build AND b.open))
        ORDER BY seq LIMIT $2 FOR UPDATE OF j SKIP LOCKED)
      UPDATE ib_resources r SET lease_holder = $3, lease_epoch = r.lease_epoch + 1,
        lease_expires = now() + $4 * interval '1 millisecond', cancel_requested = false, lease_engine = NULL
      FROM cand WHERE r.kind = cand.kind AND r.name = cand.name
      RETURNING r.kind, r.name, r.seq, r.rv, r.object, r.job, r.lease_epoch AS epoch,
        (extract(epoch FROM r.lease_expires) * 1000)::float8 AS expires,
        CASE WHEN cand.prev_expires IS NULL THEN NULL ELSE cand.prev END AS prev`;
    type Row = ResourceRow & { epoch: string; expires: number; prev: string | null };
    let rows: Row[];
    if (options.maxActive === undefined) {
      if (limit <= 0) return [];
      rows = (await this.#query<Row>(sql, [kinds, limit, holder, options.ttlMs, abandoned])).rows;
    } else {
      // Counting live leases and claiming must not interleave between processes: one claimer at a time.
      await this.#ready();
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [ACTIVE_LOCK]);
        const { rows: n } = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM ib_resources WHERE open AND lease_expires > now()',
        );
        const room = Math.min(limit, options.maxActive - Number(n[0]!.n));
        rows = room > 0 ? (await client.query<Row>(sql, [kinds, room, holder, options.ttlMs, abandoned])).rows : [];
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    }
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((row) => ({
        lease: {
          kind: row.kind as JobKind,
          name: row.name,
          holder,
          epoch: Number(row.epoch),
          expiresAt: row.expires,
          previousHolder: row.prev ?? undefined,
        },
        record: toRecord(row),
      }));
  }

  /**
   * Extends a live lease by `ttlMs` from now. Resolves the renewed lease and whether a cancel was
   * requested, or undefined when the lease was lost (expired, or the job is gone or taken over).
   */
  renew(lease: Lease, ttlMs: number): Promise<Renewed> {
    return this.#renewals.submit({ lease, ttlMs }, keyOf(lease));
  }

  async #renewMany(renewals: readonly Renewal[]): Promise<Outcome<Renewed>[]> {
    const { rows } = await this.#query<{ ord: string; expires: number; cancel: boolean }>(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[]) WITH ORDINALITY
           AS i(kind, name, holder, epoch, ttl, ord)),
       ${LOCK_IN_ORDER}
       UPDATE ib_resources r SET lease_expires = now() + i.ttl * interval '1 millisecond'
       FROM i, l WHERE l.kind = r.kind AND l.name = r.name AND r.kind = i.kind AND r.name = i.name
         AND r.lease_holder = i.holder AND r.lease_epoch = i.epoch AND r.lease_expires > now()
       RETURNING i.ord, (extract(epoch FROM r.lease_expires) * 1000)::float8 AS expires, r.cancel_requested AS cancel`,
      [
        renewals.map((r) => r.lease.kind),
        renewals.map((r) => r.lease.name),
        renewals.map((r) => r.lease.holder),
        renewals.map((r) => r.lease.epoch),
        renewals.map((r) => r.ttlMs),
      ],
    );
    return rowsByItem(renewals.length, rows).map((row, i) => ({
      ok: true,
      value: row && { lease: { ...renewals[i]!.lease, expiresAt: row.expires }, cancelRequested: row.cancel },
    }));
  }

  /** Gives a lease up (the job can be claimed again at once). Resolves false when it was no longer held. */
  async release(lease: Lease): Promise<boolean> {
    const { rowCount } = await this.#query(
      `UPDATE ib_resources SET lease_holder = NULL, lease_expires = NULL
       WHERE kind = $1 AND name = $2 AND lease_holder = $3 AND lease_epoch = $4`,
      [lease.kind, lease.name, lease.holder, lease.epoch],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Places a held lease's job on `engine` if fewer than `limit` live leases are placed there. Counting
   * and placing hold a transaction-scoped advisory lock per engine, so processes never both take the
   * last place; a lapsed or ended lease no longer counts.
   */
  async placeOn(lease: Lease, engine: string, limit: number): Promise<boolean> {
    await this.#ready();
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('ib_engine:' || $1))", [engine]);
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ib_resources
         WHERE open AND lease_engine = $1 AND lease_expires > now() AND NOT (kind = $2 AND name = $3)`,
        [engine, lease.kind, lease.name],
      );
      let placed = false;
      if (Number(rows[0]!.n) < limit) {
        const r = await client.query(
          `UPDATE ib_resources SET lease_engine = $1
           WHERE kind = $2 AND name = $3 AND lease_holder = $4 AND lease_epoch = $5 AND lease_expires > now()`,
          [engine, lease.kind, lease.name, lease.holder, lease.epoch],
        );
        placed = (r.rowCount ?? 0) > 0;
      }
      await client.query('COMMIT');
      return placed;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The fenced write: replaces the job if its version is `expectedVersion` and `lease` is still live,
   * with its holder and epoch. A record that becomes terminal frees the lease in the same write.
   * Rejects with {@link LeaseLostError} when the lease is not this one any more, `NotFoundError` when
   * the job is gone, `ConflictError` on a stale version.
   */
  update<K extends JobKind>(lease: Lease, record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    return this.#writes.submit({ lease, record, expectedVersion }, keyOf(lease));
  }

  async #writeMany(writes: readonly Write[]): Promise<Outcome<void>[]> {
    const params = writes.map((w) => writeParams(w.record));
    const { rows } = await this.#query<{ ord: string }>(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::boolean[],
           $7::bigint[], $8::text[], $9::bigint[]) WITH ORDINALITY AS i(kind, name, rv, object, job, open, expected, holder, epoch, ord)),
       ${LOCK_IN_ORDER},
       w AS (UPDATE ib_resources r SET rv = i.rv, object = i.object, job = i.job, open = i.open,
           lease_holder = CASE WHEN i.open THEN r.lease_holder END,
           lease_expires = CASE WHEN i.open THEN r.lease_expires END
         FROM i, l WHERE l.kind = r.kind AND l.name = r.name AND r.kind = i.kind AND r.name = i.name AND r.rv = i.expected AND r.lease_holder = i.holder
           AND r.lease_epoch = i.epoch AND r.lease_expires > now()
         RETURNING r.kind, r.name, r.rv, r.object, i.ord),
       ${recordChange('upsert', 'w.ord')}`,
      [
        writes.map((w) => w.record.kind),
        writes.map((w) => w.record.name),
        writes.map((w) => w.record.resourceVersion),
        params.map((p) => p[0]),
        params.map((p) => p[1]),
        params.map((p) => p[2]),
        writes.map((w) => w.expectedVersion),
        writes.map((w) => w.lease.holder),
        writes.map((w) => w.lease.epoch),
      ],
    );
    return Promise.all(
      rowsByItem(writes.length, rows).map(async (row, i): Promise<Outcome<void>> => {
        if (row) return { ok: true, value: undefined };
        return { ok: false, error: await this.#whyNotWritten(writes[i]!).catch((error: unknown) => error) };
      }),
    );
  }

  /** Why a fenced write was refused: the job is gone, the lease is not this one, or a stale version. */
  async #whyNotWritten({ lease, record, expectedVersion }: Write): Promise<Error> {
    const { rows: now } = await this.#query<{ rv: string; mine: boolean }>(
      `SELECT rv, (lease_holder = $3 AND lease_epoch = $4 AND lease_expires > now()) IS TRUE AS mine
       FROM ib_resources WHERE kind = $1 AND name = $2`,
      [record.kind, record.name, lease.holder, lease.epoch],
    );
    if (!now[0]) return new NotFoundError(`${record.kind} "${record.name}" not found`);
    if (!now[0].mine) return new LeaseLostError(record.kind, record.name);
    return new ConflictError(
      `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${now[0].rv}, expected ${expectedVersion})`,
    );
  }
}
