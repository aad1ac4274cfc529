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
import { RECORD_CHANGE, RESOURCE_COLUMNS, type ResourceRow, toRecord, writeParams } from './internal/rows.js';

type Query = <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

const ACTIVE_LOCK = 0x1b_5702;

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
    if (!(options.ttlMs > 0)) throw new SdkError('VALIDATION', 'claim: ttlMs must be > 0');
    const sql = `WITH cand AS (
        SELECT kind, name, lease_holder AS prev, lease_expires AS prev_expires FROM ib_resources j
        WHERE open AND kind = ANY($1) AND (lease_expires IS NULL OR lease_expires <= now())
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
      rows = (await this.#query<Row>(sql, [kinds, limit, holder, options.ttlMs])).rows;
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
        rows = room > 0 ? (await client.query<Row>(sql, [kinds, room, holder, options.ttlMs])).rows : [];
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
  async renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; cancelRequested: boolean } | undefined> {
    const { rows } = await this.#query<{ expires: number; cancel: boolean }>(
      `UPDATE ib_resources SET lease_expires = now() + $5 * interval '1 millisecond'
       WHERE kind = $1 AND name = $2 AND lease_holder = $3 AND lease_epoch = $4 AND lease_expires > now()
       RETURNING (extract(epoch FROM lease_expires) * 1000)::float8 AS expires, cancel_requested AS cancel`,
      [lease.kind, lease.name, lease.holder, lease.epoch, ttlMs],
    );
    if (!rows[0]) return undefined;
    return { lease: { ...lease, expiresAt: rows[0].expires }, cancelRequested: rows[0].cancel };
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
  async update<K extends JobKind>(lease: Lease, record: StoredRecord<K>, expectedVersion: number): Promise<void> {
    const [object, job, open] = writeParams(record);
    const { rows } = await this.#query<ResourceRow>(
      `WITH w AS (UPDATE ib_resources SET rv = $3, object = $4, job = $5, open = $6,
         lease_holder = CASE WHEN $6 THEN lease_holder END, lease_expires = CASE WHEN $6 THEN lease_expires END
         WHERE kind = $1 AND name = $2 AND rv = $7 AND lease_holder = $8 AND lease_epoch = $9 AND lease_expires > now()
         RETURNING ${RESOURCE_COLUMNS}),
       ${RECORD_CHANGE.replace('$TYPE', "'upsert'")}`,
      [record.kind, record.name, record.resourceVersion, object, job, open, expectedVersion, lease.holder, lease.epoch],
    );
    if (rows[0]) return;
    const { rows: now } = await this.#query<{ rv: string; mine: boolean }>(
      `SELECT rv, (lease_holder = $3 AND lease_epoch = $4 AND lease_expires > now()) IS TRUE AS mine
       FROM ib_resources WHERE kind = $1 AND name = $2`,
      [record.kind, record.name, lease.holder, lease.epoch],
    );
    if (!now[0]) throw new NotFoundError(`${record.kind} "${record.name}" not found`);
    if (!now[0].mine) throw new LeaseLostError(record.kind, record.name);
    throw new ConflictError(
      `${record.kind} "${record.name}" was modified concurrently (resourceVersion ${now[0].rv}, expected ${expectedVersion})`,
    );
  }
}
