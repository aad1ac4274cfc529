// Several builder processes on one PostgreSQL, at the store level (the claim → fenced transitions →
// terminal loop a builder process runs with an instantaneous runner): 2,000 jobs shared by 1, 2 and 4
// worker processes; aggregate transitions/s, the latency of the change feed in another process (p50,
// p99: commit-side timestamp to receipt), and lease takeover time after a holder stops renewing.
// Targets (issue 16): ≥ 1,000 transitions/s with 4 processes, p99 ≤ 50 ms, takeover ≤ lease + 2 s.
//   [PG_URL=postgres://…] npx tsx --conditions=@imagebuild/source bench/builder/postgres-leases.bench.ts
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setReadyCondition } from '@imagebuild/core/lifecycle';
import type { StoredRecord } from '@imagebuild/builder';
import { PostgresStore } from '@imagebuild/store-postgres';
import { harnessPgUrl, loadHarnessEnv } from '@imagebuild/testkit';
import pg from 'pg';
import { build } from '../../packages/builder/test/fixtures.js';
import { markdownTable } from '../lib/index.js';

const JOBS = Number(process.env['BENCH_PG_JOBS'] ?? 2000);
const PHASES = ['Building', 'Pushing', 'Completed'] as const;
const LEASE_MS = 2000;
const RESULTS = join(process.cwd(), 'bench/results/builder.md');

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** A worker process: claims jobs and writes their transitions until none is left. */
async function worker(url: string, holder: string): Promise<void> {
  const store = new PostgresStore({ connectionString: url, maxConnections: 4 });
  let transitions = 0;
  for (;;) {
    const claims = await store.leases.claim(holder, { kinds: ['ImageBuild'], limit: 8, ttlMs: 30_000 });
    if (claims.length === 0) break;
    await Promise.all(
      claims.map(async ({ lease, record }) => {
        let rec = record as StoredRecord<'ImageBuild'>;
        for (const phase of PHASES) {
          const object = rec.object;
          object.status = { conditions: setReadyCondition(undefined, phase, phase, new Date().toISOString()) };
          const next = { ...rec, object, resourceVersion: rec.resourceVersion + 1 };
          await store.leases.update(lease, next, rec.resourceVersion);
          rec = next;
          transitions++;
        }
      }),
    );
  }
  await store.close();
  process.send?.({ transitions });
}

async function run(admin: string, processes: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const name = `ib_bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const store = new PostgresStore({ connectionString: url.toString(), maxConnections: 8 });
  try {
    for (let i = 0; i < JOBS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, JOBS - i) }, (_, k) =>
          store.insert({
            kind: 'ImageBuild',
            name: `j${i + k}`,
            resourceVersion: 1,
            object: build(`j${i + k}`) as never,
            job: { uid: `u${i + k}` },
          }),
        ),
      );
    }
    const feed = store.changes({ pollMs: 1000 });
    await feed.ready();
    const latencies: number[] = [];
    feed.on((ch) => {
      if (!ch.object) return;
      const t = /"lastTransitionTime":"([^"]+)"/.exec(ch.object)?.[1];
      if (t) latencies.push(Date.now() - Date.parse(t));
    });
    const t0 = performance.now();
    const counts = await Promise.all(
      Array.from({ length: processes }, (_, i) => {
        const child = fork(process.argv[1]!, ['worker', url.toString(), `p${i}`], {
          execArgv: ['--import', 'tsx', '--conditions=@imagebuild/source'],
        });
        return new Promise<number>((resolve, reject) => {
          let n = 0;
          child.on('message', (m: { transitions: number }) => (n = m.transitions));
          child.on('exit', (code) => (code === 0 ? resolve(n) : reject(new Error(`worker exited ${code}`))));
        });
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    const until = Date.now() + 5000;
    while (latencies.length < total && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await feed.close();
    // Worker start-up (tsx) is inside `seconds`: the rate is a lower bound.
    return { perSecond: Math.round(total / seconds), p50: pct(latencies, 50), p99: pct(latencies, 99) };
  } finally {
    await store.close();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

/** A holder stops renewing (as if SIGKILLed); another polls claims every 50 ms: time from its last renewal to the takeover. */
async function takeover(admin: string): Promise<number> {
  const store = new PostgresStore({ connectionString: admin, maxConnections: 2 });
  const name = `takeover-${randomBytes(4).toString('hex')}`;
  await store.insert({
    kind: 'ImageBuild',
    name,
    resourceVersion: 1,
    object: build(name) as never,
    job: { uid: name },
  });
  const [first] = await store.leases.claim('dead', { kinds: ['ImageBuild'], limit: 100, ttlMs: LEASE_MS });
  const renewed = await store.leases.renew(first!.lease, LEASE_MS);
  const died = Date.now();
  let took = Number.NaN;
  while (Number.isNaN(took)) {
    const claims = await store.leases.claim('alive', { kinds: ['ImageBuild'], limit: 100, ttlMs: LEASE_MS });
    if (claims.some((c) => c.lease.name === name)) took = Date.now() - died;
    else await new Promise((r) => setTimeout(r, 50));
  }
  void renewed;
  await store.delete('ImageBuild', name);
  await store.close();
  return took;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'worker') return worker(process.argv[3]!, process.argv[4]!);
  // the harness cluster unless PG_URL names another (`npm run bench` has started the harness)
  const admin = process.env['PG_URL'] || harnessPgUrl(loadHarnessEnv());
  const rows: string[][] = [];
  for (const n of [1, 2, 4]) {
    const r = await run(admin, n);
    rows.push([String(n), String(JOBS), String(r.perSecond), r.p50.toFixed(1), r.p99.toFixed(1)]);
    console.log(`${n} process(es): ${r.perSecond} transitions/s, feed p50 ${r.p50} ms p99 ${r.p99} ms`);
  }
  const take = await takeover(admin);
  console.log(`takeover ${take} ms (lease ${LEASE_MS} ms)`);
  const table = markdownTable(
    ['processes', 'jobs', 'transitions/s (aggregate)', 'cross-process event p50 ms', 'event p99 ms'],
    rows,
  );
  const text = `<!-- bench-pg:start (written by bench/builder/postgres-leases.bench.ts) -->
Command: \`npx tsx --conditions=@imagebuild/source bench/builder/postgres-leases.bench.ts\`

${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, PostgreSQL 15 (harness cluster, fsync off), 2 cores shared; load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.
Store level: each worker process claims (SKIP LOCKED, 8 at a time) and writes 3 fenced transitions per job;
the event latency is measured by a change-feed follower in the parent process. Worker start-up is inside
the measured time, so the rates are lower bounds.

${table}

Lease takeover: ${take} ms after the holder's last renewal, lease ${LEASE_MS} ms (target ≤ lease + 2 s).
<!-- bench-pg:end -->
`;
  const old = readFileSync(RESULTS, 'utf8');
  const re = /<!-- bench-pg:start[\s\S]*?<!-- bench-pg:end -->\n/;
  writeFileSync(
    RESULTS,
    re.test(old) ? old.replace(re, text) : `${old}\n## Several processes on one PostgreSQL\n\n${text}`,
  );
}

await main();
