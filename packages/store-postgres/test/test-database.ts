import { randomBytes } from 'node:crypto';
import { harnessPgUrl, loadHarnessEnv } from '@imagebuild/testkit';
import pg from 'pg';

/** A fresh database on the harness's PostgreSQL (its URL), dropped by `drop()` (connections forced out). */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = harnessPgUrl(loadHarnessEnv());
  const name = `ib_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
