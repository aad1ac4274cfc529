import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '@imagebuild/core';
import { setReadyCondition } from '@imagebuild/core/lifecycle';
import type { StoredRecord } from '@imagebuild/builder';
import { storeContract } from '../../builder/test/store-contract.js';
import { build } from '../../builder/test/fixtures.js';
import { type Change, LeaseLostError, MIGRATIONS, PostgresStore } from '../src/index.js';
import { ChangeFeed } from '../src/change-feed.js';
import { recordChange } from '../src/internal/rows.js';
import { createTestDatabase } from './test-database.js';

let db: { url: string; drop: () => Promise<void> };
const open: PostgresStore[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await db.drop();
});

/** A store on an emptied schema: the contract tests expect a fresh store each. */
async function fresh(): Promise<PostgresStore> {
  const s = new PostgresStore({ connectionString: db.url, maxConnections: 4 });
  open.push(s);
  await s.ready();
  const admin = new PostgresStore({ connectionString: db.url, maxConnections: 1 });
  await admin.ready();
  for (const r of [...(await admin.list('ImageBuild')), ...(await admin.list('ImageExport'))]) {
    await admin.delete(r.kind, r.name);
  }
  await admin.close();
  return s;
}

describe('PostgresStore: the store contract', () => {
  storeContract(fresh);
});

const job = (name: string) => ({
  kind: 'ImageBuild' as const,
  name,
  resourceVersion: 1,
  object: build(name) as never,
  job: { uid: `u-${name}` },
});

function terminal(rec: StoredRecord<'ImageBuild'>): StoredRecord<'ImageBuild'> {
  const object = rec.object;
  object.status = { conditions: setReadyCondition(undefined, 'Completed', 'done', new Date().toISOString()) };
  return { ...rec, resourceVersion: rec.resourceVersion + 1, object };
}

describe('PostgresStore', () => {
  it('migrates once when many stores start at the same time', async () => {
    const stores = Array.from({ length: 5 }, () => new PostgresStore({ connectionString: db.url, maxConnections: 1 }));
    await Promise.all(stores.map((s) => s.ready()));
    await Promise.all(stores.map((s) => s.close()));
    const s = await fresh();
    expect(MIGRATIONS.length).toBe(3);
    await s.insert(job('m1'));
    expect((await s.get('ImageBuild', 'm1'))?.seq).toBeGreaterThan(0);
  });

  it('claims with SKIP LOCKED: concurrent claimers never get the same job; a lost lease cannot write', async () => {
    const s = await fresh();
    for (let i = 0; i < 20; i++) await s.insert(job(`c${i}`));
    const claims = await Promise.all(
      ['p1', 'p2', 'p3', 'p4'].map((p) => s.leases.claim(p, { limit: 20, ttlMs: 60_000 })),
    );
    const names = claims.flat().map((c) => c.lease.name);
    expect(names.length).toBe(20);
    expect(new Set(names).size).toBe(20);
    // A plain update of a leased job is refused; the holder's fenced write goes through.
    const first = claims.flat()[0]!;
    const rec = first.record as StoredRecord<'ImageBuild'>;
    await expect(s.update({ ...rec, resourceVersion: 2 }, 1)).rejects.toThrow(/leased/);
    // Expire it, let another holder take it over: the old holder's write is fenced off.
    const short = await s.leases.renew(first.lease, 1);
    expect(short).toBeDefined();
    await new Promise((r) => setTimeout(r, 20));
    const [taken] = await s.leases.claim('p9', { kinds: ['ImageBuild'], limit: 1, ttlMs: 60_000 });
    expect(taken?.lease.name).toBe(first.lease.name);
    expect(taken?.lease.previousHolder).toBe(first.lease.holder);
    expect(taken!.lease.epoch).toBe(first.lease.epoch + 1);
    await expect(s.leases.update(first.lease, terminal(rec), 1)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await s.leases.renew(first.lease, 60_000)).toBeUndefined();
    await s.leases.update(taken!.lease, terminal(rec), 1);
    // Terminal: the lease is freed and nobody can claim it again.
    expect((await s.leases.claim('p9', { kinds: ['ImageBuild'], limit: 100, ttlMs: 60_000 })).length).toBe(0);
  });

  it('holds a global limit of live leases across claimers', async () => {
    const s = await fresh();
    for (let i = 0; i < 10; i++) await s.insert(job(`g${i}`));
    const claims = await Promise.all(
      ['a', 'b', 'c'].map((p) => s.leases.claim(p, { limit: 10, ttlMs: 60_000, maxActive: 4 })),
    );
    expect(claims.flat().length).toBe(4);
  });

  it('feeds every change, in order per resource, to every follower; cancel requests reach the holder', async () => {
    const s = await fresh();
    const other = new PostgresStore({ connectionString: db.url, maxConnections: 2 });
    open.push(other);
    const feed = other.changes({ pollMs: 5000 });
    await feed.ready();
    const seen: Change[] = [];
    feed.on((c) => seen.push(c));
    await s.insert(job('f1'));
    let rec = (await s.get('ImageBuild', 'f1'))!;
    for (let v = 2; v <= 5; v++) {
      await s.update({ ...rec, resourceVersion: v }, v - 1);
      rec = (await s.get('ImageBuild', 'f1'))!;
    }
    // Too big for a notification's payload: it goes by id and a table read, still in order.
    const big = structuredClone(rec.object);
    big.metadata.annotations = { note: 'x'.repeat(9000) };
    await s.update({ ...rec, resourceVersion: 6, object: big }, 5);
    rec = (await s.get('ImageBuild', 'f1'))!;
    await s.update({ ...rec, resourceVersion: 7 }, 6);
    await s.delete('ImageBuild', 'f1');
    const until = Date.now() + 5000;
    while (seen.length < 8 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(seen.map((c) => `${c.type}:${c.resourceVersion}`)).toEqual([
      'upsert:1',
      'upsert:2',
      'upsert:3',
      'upsert:4',
      'upsert:5',
      'upsert:6',
      'upsert:7',
      'delete:8',
    ]);
    expect(JSON.parse(seen[5]!.object!).metadata.annotations.note).toHaveLength(9000);
    expect(JSON.parse(seen[2]!.object!).metadata.name).toBe('f1');
    // A change the table does not hold still arrives: the feed takes it from the notification, unread.
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    await raw.query("SELECT pg_notify('ib_changes', $1)", [`[1000000000000,"ImageBuild","ghost",3,"upsert"]\n{}`]);
    await raw.end();
    while (seen.length < 9 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(seen[8]).toEqual({
      id: 1e12,
      kind: 'ImageBuild',
      name: 'ghost',
      resourceVersion: 3,
      type: 'upsert',
      object: '{}',
    });
    await s.insert(job('f2'));
    const [claim] = await s.leases.claim('h', { limit: 1, ttlMs: 60_000 });
    expect(await other.requestCancel('ImageBuild', 'f2')).toBe(true);
    expect((await s.leases.renew(claim!.lease, 60_000))?.cancelRequested).toBe(true);
    await feed.close();
  });

  it('holds a bounded number of changes behind a stalled read, then reads the rest back in order', async () => {
    await fresh(); // migrated
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    let reads = 0;
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    const query = (async (text: string, params?: unknown[]) => {
      const answer = await pool.query(text, params);
      if (text.includes('WHERE id >') && ++reads === 1) await stalled; // the catch-up read answers late
      return answer;
    }) as ConstructorParameters<typeof ChangeFeed>[1];
    const feed = new ChangeFeed(db.url, query, { pollMs: 60_000 }, () => {});
    await feed.ready();
    const seen: Change[] = [];
    feed.on((c) => seen.push(c));
    // More notified changes than the feed holds while its read is stalled (one statement, one commit).
    const count = 10_050;
    await pool.query(
      `WITH w AS (SELECT 'ImageBuild' AS kind, 'bulk-' || g AS name, g::bigint AS rv, '{}' AS object
        FROM generate_series(1, ${count}) g), ${recordChange('upsert')}`,
    );
    await new Promise((r) => setTimeout(r, 500)); // the notifications arrive behind the read
    expect(seen).toHaveLength(0);
    release();
    const until = Date.now() + 10_000;
    while (seen.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBeGreaterThanOrEqual(2); // the held changes were dropped for a read
    expect(seen.map((c) => c.resourceVersion)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    await feed.close();
    await pool.end();
  });

  it('stores logs in bounded chunks that any process reads whole', async () => {
    const s = await fresh();
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'x'.repeat(i % 300)}`);
    await s.logs.append('ImageBuild', 'l1', 'u1', lines.slice(0, 10));
    expect(await s.logs.append('ImageBuild', 'l1', 'u1', lines.slice(10))).toBe(1000);
    const other = new PostgresStore({ connectionString: db.url, maxConnections: 1 });
    open.push(other);
    expect(await other.logs.read('ImageBuild', 'l1', 'u1')).toEqual(lines);
    expect(await other.logs.read('ImageBuild', 'l1', 'u1', 995, 3)).toEqual(lines.slice(995, 998));
    expect(await other.logs.read('ImageBuild', 'l1', 'u2')).toEqual([]);
  });

  it('answers each call of a shared statement on its own: writes, renewals, reads, creates, log appends', async () => {
    const s = await fresh();
    const names = Array.from({ length: 8 }, (_, i) => `b${i}`);
    // made at one moment: one statement carries them all, a name taken twice fails alone
    const made = await Promise.allSettled([...names, 'b0'].map((n) => s.insert(job(n))));
    expect(made.filter((m) => m.status === 'fulfilled').length).toBe(8);
    const refused = made.flatMap((m) => (m.status === 'rejected' ? [m.reason as Error] : []));
    expect(refused.length).toBe(1);
    expect(refused[0]).toBeInstanceOf(ConflictError);
    expect(refused[0]!.message).toMatch(/"b0" already exists/);
    const seqs = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value.seq] : []));
    expect(new Set(seqs).size).toBe(8);
    const claims = await s.leases.claim('h', { limit: 8, ttlMs: 60_000 });
    expect(claims.length).toBe(8);
    const by = new Map(claims.map((c) => [c.lease.name, c]));
    // b1: another holder takes it over; b2: deleted; b3: written with a stale version
    await s.leases.renew(by.get('b1')!.lease, 1);
    await new Promise((r) => setTimeout(r, 20));
    const [taken] = await s.leases.claim('other', { limit: 1, ttlMs: 60_000 });
    expect(taken?.lease.name).toBe('b1');
    await s.delete('ImageBuild', 'b2');
    const writes = names.map((n) => {
      const c = by.get(n)!;
      const rec = c.record as StoredRecord<'ImageBuild'>;
      const expected = n === 'b3' ? 7 : 1;
      return s.leases.update(c.lease, { ...rec, resourceVersion: 2 }, expected);
    });
    const renewals = names.map((n) => s.leases.renew(by.get(n)!.lease, 60_000));
    const reads = names.map((n) => s.get('ImageBuild', n));
    const outcome = await Promise.allSettled(writes);
    const why = outcome.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as Error).constructor.name));
    expect(why).toEqual(['ok', 'LeaseLostError', 'NotFoundError', 'ConflictError', 'ok', 'ok', 'ok', 'ok']);
    const renewed = await Promise.all(renewals);
    expect(renewed.map((r) => r !== undefined)).toEqual([true, false, false, true, true, true, true, true]);
    const got = await Promise.all(reads);
    expect(got.map((r) => r?.name)).toEqual(['b0', 'b1', undefined, 'b3', 'b4', 'b5', 'b6', 'b7']);
    expect((await s.get('ImageBuild', 'b0'))?.resourceVersion).toBe(2);
    expect((await s.get('ImageBuild', 'b3'))?.resourceVersion).toBe(1);
    // log appends of several jobs at one moment, and of one job in order
    const appended = await Promise.all([
      s.logs.append('ImageBuild', 'b4', 'u', ['a', 'b']),
      s.logs.append('ImageBuild', 'b5', 'u', ['c']),
      s.logs.append('ImageBuild', 'b4', 'u', ['d']),
    ]);
    expect(appended).toEqual([2, 1, 3]);
    expect(await s.logs.read('ImageBuild', 'b4', 'u')).toEqual(['a', 'b', 'd']);
  });

  it('fails only the call whose input the server refuses, not the others that shared its statement', async () => {
    const s = await fresh();
    await s.insert(job('ok1'));
    // PostgreSQL refuses a NUL in text: that read fails, the two sent with it are answered
    const reads = await Promise.allSettled([
      s.get('ImageBuild', 'ok1'),
      s.get('ImageBuild', 'bad\u0000name'),
      s.get('ImageBuild', 'missing'),
    ]);
    expect(reads[0]).toMatchObject({ status: 'fulfilled', value: { name: 'ok1' } });
    expect(reads[1]).toMatchObject({ status: 'rejected' });
    expect(reads[2]).toEqual({ status: 'fulfilled', value: undefined });
  });
});
