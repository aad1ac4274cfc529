import type { PoolClient } from 'pg';

/**
 * Versioned schema: each entry runs once, in order, inside one transaction with the version row it
 * records. A transaction-scoped advisory lock makes concurrent starters (N processes booting at once)
 * apply each migration exactly once. Never edit a released entry: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: resources with their lease columns, the change feed, log chunks.
  `
  CREATE SEQUENCE ib_seq;
  CREATE TABLE ib_resources (
    kind text NOT NULL,
    name text NOT NULL,
    seq bigint NOT NULL,
    rv bigint NOT NULL,
    object text NOT NULL,
    job text,
    -- a job that is not terminal yet: the only rows a claim looks at
    open boolean NOT NULL DEFAULT false,
    lease_holder text,
    lease_epoch bigint NOT NULL DEFAULT 0,
    lease_expires timestamptz,
    cancel_requested boolean NOT NULL DEFAULT false,
    PRIMARY KEY (kind, name)
  );
  CREATE INDEX ib_resources_by_seq ON ib_resources (kind, seq DESC);
  CREATE INDEX ib_resources_open ON ib_resources (seq) WHERE open;
  CREATE TABLE ib_changes (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL,
    rv bigint NOT NULL,
    type text NOT NULL,
    object text,
    at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE ib_log_chunks (
    kind text NOT NULL,
    name text NOT NULL,
    uid text NOT NULL,
    chunk integer NOT NULL,
    first_line integer NOT NULL,
    line_count integer NOT NULL,
    lines text NOT NULL,
    PRIMARY KEY (kind, name, uid, chunk)
  );
  `,
  // 2: an export is claimable only once its build is terminal (the claim looks this column up).
  `
  ALTER TABLE ib_resources ADD COLUMN after_build text;
  UPDATE ib_resources SET after_build = (object::jsonb #>> '{spec,source,imageBuildRef}') WHERE kind = 'ImageExport';
  `,
  // 3: the engine a leased job runs on, for limits per engine across processes.
  `
  ALTER TABLE ib_resources ADD COLUMN lease_engine text;
  CREATE INDEX ib_resources_engine ON ib_resources (lease_engine) WHERE open AND lease_engine IS NOT NULL;
  `,
];

const LOCK_KEY = 0x1b_5701;

/** Applies every migration the database lacks; resolves the schema version. */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS ib_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ib_migrations');
    const have = rows[0]?.v ?? 0;
    for (let v = have + 1; v <= MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v - 1]!);
      await client.query('INSERT INTO ib_migrations (version) VALUES ($1)', [v]);
    }
    await client.query('COMMIT');
    return MIGRATIONS.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
