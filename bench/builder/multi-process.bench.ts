// Issue 16 through ImageBuilder: 1, 2 and 4 builder processes (child processes, each an ImageBuilder
// with an in-process instantaneous runner) sharing one PostgreSQL, fed by an API-only ImageBuilder in
// the parent (`runners: []`) that creates 2,000 builds and watches them. Measures the aggregate phase
// transitions per second, the latency of an event's receipt by watch() in a process other than the
// writer, and the lease takeover after a builder process holding a running job is SIGKILLed.
// Targets: ≥ 1,000 transitions/s with 4 processes, cross-process event p99 ≤ 50 ms, takeover ≤ lease + 2 s.
// Runs BENCH_PG_ROUNDS rounds (default 3) of each process count, each on a fresh database, and reports
// the median and the worst round, with the machine's load and CPU pressure while it ran.
//   npx tsx --conditions=@imagebuild/source bench/builder/multi-process.bench.ts
// PG_URL (an admin URL of a cluster that lets it CREATE DATABASE) wins over the harness's env file.
// BENCH_PG_JOBS (2000), BENCH_PG_PROCESSES ("1,2,4"), BENCH_PG_TAKEOVERS (3), BENCH_PG_LEASE_MS (3000),
// BENCH_PG_PACE (50 builds/s; 0: no paced pass) and BENCH_PG_PACED_JOBS (600) for the pass below saturation;
// BENCH_PG_CONCURRENCY (8): jobs each builder process runs at once;
// BENCH_PG_PROFILE=1 also counts and times every SQL statement of every process (printed, not
// written to the results: the counting costs time of its own); BENCH_PG_CPU_PROFILE=<dir> has them
// write V8 CPU profiles there (for the API process: node --cpu-prof --import tsx --conditions=… <this file>).
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuilder, type WatchEvent } from '@imagebuild/builder';
import { PostgresStore } from '@imagebuild/store-postgres';
import { harnessPgUrl, loadHarnessEnv } from '@imagebuild/testkit';
import pg from 'pg';
import { build, repo } from '../../packages/builder/test/fixtures.js';
import { InstantRunner } from '../../packages/builder/test/instant-runner.js';
import { markdownTable, median, watchMachineLoad } from '../lib/index.js';

const JOBS = Number(process.env['BENCH_PG_JOBS'] ?? 2000);
const ROUNDS = Number(process.env['BENCH_PG_ROUNDS'] ?? 3);
const PROCESSES = (process.env['BENCH_PG_PROCESSES'] ?? '1,2,4').split(',').map(Number);
const TAKEOVERS = Number(process.env['BENCH_PG_TAKEOVERS'] ?? 3);
const LEASE_MS = Number(process.env['BENCH_PG_LEASE_MS'] ?? 3000);
/** Builds per second the paced pass offers (0: no paced pass): latency below saturation. */
const PACE = Number(process.env['BENCH_PG_PACE'] ?? 50);
/** Builds of the paced pass, per process count. */
const PACED_JOBS = Number(process.env['BENCH_PG_PACED_JOBS'] ?? 600);
const PROFILE = process.env['BENCH_PG_PROFILE'] === '1';
/** A directory: the builder processes write V8 CPU profiles there (`--cpu-prof`). */
const CPU_PROFILE = process.env['BENCH_PG_CPU_PROFILE'];
/** Jobs each builder process runs at once. */
const CONCURRENCY = Number(process.env['BENCH_PG_CONCURRENCY'] ?? 8);
/** Creates the API process has in flight (several API clients at once). */
const CREATE_PARALLEL = 16;
/** A run with no watch event for this long has stalled: it fails rather than hang the bench. */
const STALL_MS = 60_000;
const LOST = 'builder process lost';
/** Every process sharing a store seals and unseals Repository passwords with the same key. */
const CREDENTIAL_KEY = 'multi-process-bench';
const RESULTS = join(process.cwd(), 'bench/results/builder.md');

/** Wall-clock time in ms with sub-ms resolution, comparable between processes of one host (see the calibration). */
const clock = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// ---------------------------------------------------------------- messages between the processes

/** [job name, phase, child clock ms] */
type Stamp = [string, string, number];
interface QueryStat {
  n: number;
  ms: number;
}
type ToChild = { type: 'ping'; id: number } | { type: 'go' } | { type: 'stop' };
type FromChild =
  | { type: 'ready' }
  | { type: 'pong'; id: number; t: number }
  | { type: 'running'; name: string }
  | {
      type: 'done';
      /** Runner phase emissions (before the builder writes them). */
      runner: Stamp[];
      jobs: number;
      cpuMs: number;
      elu: number;
      queries: Record<string, QueryStat> | undefined;
    };

// ---------------------------------------------------------------- a builder process

/** Counts and times every statement of this process's pg clients, and the waits for a pooled connection. */
function installProfiler(stats: Map<string, QueryStat>): void {
  const add = (key: string, ms: number): void => {
    const s = stats.get(key) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += ms;
    stats.set(key, s);
  };
  const keyOf = (q: unknown): string => {
    const text = typeof q === 'string' ? q : ((q as { text?: string } | null)?.text ?? '?');
    return text.replace(/\s+/g, ' ').trim().slice(0, 160);
  };
  type Fn = (...args: unknown[]) => unknown;
  const proto = pg.Client.prototype as unknown as { query: Fn };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const key = keyOf(args[0]);
    const t = performance.now();
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as Fn;
      args[last] = (...r: unknown[]) => {
        add(key, performance.now() - t);
        return cb(...r);
      };
      return query.apply(this, args);
    }
    const r = query.apply(this, args) as Promise<unknown> | undefined;
    r?.then(
      () => add(key, performance.now() - t),
      () => add(key, performance.now() - t),
    );
    return r;
  };
  const pool = pg.Pool.prototype as unknown as { connect: Fn };
  const connect = pool.connect;
  pool.connect = function (this: unknown, ...args: unknown[]) {
    const t = performance.now();
    if (typeof args[0] === 'function') {
      const cb = args[0] as Fn;
      return connect.call(this, (...r: unknown[]) => {
        add('(waiting for a pooled connection)', performance.now() - t);
        return cb(...r);
      });
    }
    const r = connect.apply(this, args) as Promise<unknown>;
    r.then(
      () => add('(waiting for a pooled connection)', performance.now() - t),
      () => undefined,
    );
    return r;
  };
}

async function child(url: string, logDir: string): Promise<void> {
  const send = (m: FromChild): void => void process.send?.(m);
  const stats = new Map<string, QueryStat>();
  if (PROFILE) installProfiler(stats);
  const store = new PostgresStore({ connectionString: url });
  const runner = new InstantRunner({
    lines: 1,
    behaviour: (_kind, name) => (name.startsWith('victim') ? 'hang' : 'ok'),
  });
  const emitted: Stamp[] = [];
  runner.onPhase = (name, phase, at) => {
    emitted.push([name, phase, performance.timeOrigin + at]);
    if (phase === 'Building' && name.startsWith('victim')) send({ type: 'running', name });
  };
  const b = new ImageBuilder({
    runners: [runner],
    store,
    leaseMs: LEASE_MS,
    credentialKey: CREDENTIAL_KEY,
    concurrency: CONCURRENCY,
    logDir: join(logDir, 'logs'),
  });
  await b.ready();
  let cpu0 = process.cpuUsage();
  let elu0 = performance.eventLoopUtilization();
  process.on('message', (m: ToChild) => {
    if (m.type === 'ping') send({ type: 'pong', id: m.id, t: clock() });
    else if (m.type === 'go') {
      cpu0 = process.cpuUsage();
      elu0 = performance.eventLoopUtilization();
      stats.clear();
    } else if (m.type === 'stop') {
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0).utilization;
      void (async () => {
        await b.close();
        rmSync(logDir, { recursive: true, force: true });
        const done: FromChild = {
          type: 'done',
          runner: emitted,
          jobs: runner.calls.length,
          cpuMs: (cpu.user + cpu.system) / 1000,
          elu,
          queries: PROFILE ? Object.fromEntries(stats) : undefined,
        };
        process.send?.(done, () => process.exit(0));
      })();
    }
  });
  send({ type: 'ready' });
}

// ---------------------------------------------------------------- the parent: API process and harness

interface Child {
  proc: ChildProcess;
  /** Child clock minus parent clock (ms), from the ping with the shortest round trip. */
  offset: number;
  /** Half that round trip: the most the offset can be wrong by. */
  error: number;
  next<T extends FromChild['type']>(type: T, timeoutMs?: number): Promise<Extract<FromChild, { type: T }>>;
}

const live = new Set<ChildProcess>();
/** Every process's log folder is made in here, and it all goes at exit: a SIGKILLed child removes nothing. */
let runDir: string | undefined;
const folder = (name: string): string => {
  runDir ??= mkdtempSync(join(tmpdir(), 'ib-bench-mp-'));
  return mkdtempSync(join(runDir, name));
};
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

async function startChild(url: string): Promise<Child> {
  const proc = fork(process.argv[1]!, ['child', url, folder('builder-')], {
    execArgv: [
      '--import',
      'tsx',
      '--conditions=@imagebuild/source',
      ...(CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE}`] : []),
    ],
  });
  live.add(proc);
  const waiting = new Map<string, Array<(m: FromChild) => void>>();
  const inbox: FromChild[] = [];
  proc.on('message', (m: FromChild) => {
    const w = waiting.get(m.type)?.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const exited = new Promise<never>((_, reject) =>
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      reject(new Error(`builder process exited (${signal ?? code})`));
    }),
  );
  exited.catch(() => undefined);
  const c: Child = {
    proc,
    offset: 0,
    error: 0,
    next: (type, timeoutMs = 120_000) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as never);
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        new Promise<never>((resolve) => {
          const list = waiting.get(type) ?? [];
          list.push(resolve as never);
          waiting.set(type, list);
        }),
        exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no '${type}' from a builder process in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
  };
  await c.next('ready');
  // Clock calibration: both clocks are this host's wall clock read with sub-ms resolution; 30 pings
  // over IPC bound the difference (offset from the ping with the shortest round trip, error ≤ RTT/2).
  let best = Number.POSITIVE_INFINITY;
  for (let id = 0; id < 30; id++) {
    const t0 = clock();
    proc.send({ type: 'ping', id } satisfies ToChild);
    const { t } = await c.next('pong');
    const t1 = clock();
    if (t1 - t0 < best) {
      best = t1 - t0;
      c.offset = t - (t0 + t1) / 2;
      c.error = best / 2;
    }
  }
  return c;
}

async function stopChild(c: Child): Promise<Extract<FromChild, { type: 'done' }>> {
  c.proc.send({ type: 'stop' } satisfies ToChild);
  const done = await c.next('done', 60_000);
  await new Promise<void>((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', () => r())));
  return done;
}

async function freshDatabase(admin: string): Promise<{ url: string; name: string }> {
  const name = `ib_bench_mp_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function dropDatabase(admin: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

async function adminQuery<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** CPU time (ms) of the cgroup the cluster's backends run in (the harness puts it in one), or undefined. */
async function postgresCpuMs(admin: string): Promise<number | undefined> {
  const c = new pg.Client({ connectionString: admin });
  try {
    await c.connect();
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // read while the backend lives (it is in the cluster's cgroup)
    const lines = readFileSync(`/proc/${rows[0]!.pid}/cgroup`, 'utf8').split('\n');
    const v1 = lines.find((l) => /^\d+:[^:]*\bcpuacct\b[^:]*:/.test(l));
    if (v1) {
      const path = v1.split(':')[2]!;
      const dir = ['/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpu,cpuacct'].find((d) => existsSync(`${d}${path}`));
      if (dir) return Number(readFileSync(`${dir}${path}/cpuacct.usage`, 'utf8')) / 1e6;
    }
    const v2 = lines.find((l) => l.startsWith('0::'));
    if (v2) {
      const m = /usage_usec (\d+)/.exec(readFileSync(`/sys/fs/cgroup${v2.slice(3)}/cpu.stat`, 'utf8'));
      if (m) return Number(m[1]) / 1000;
    }
  } catch {
    // not on this host, or not readable: the column says so
  } finally {
    await c.end().catch(() => undefined);
  }
  return undefined;
}

/**
 * The database clock minus this process's (ms): from the query with the shortest of 20 round trips;
 * error ≤ half that round trip.
 */
async function databaseClock(url: string): Promise<{ offset: number; error: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    let best = { offset: 0, error: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 20; i++) {
      const t0 = clock();
      const { rows } = await c.query<{ t: number }>(
        'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS t',
      );
      const t1 = clock();
      if ((t1 - t0) / 2 < best.error) best = { offset: rows[0]!.t - (t0 + t1) / 2, error: (t1 - t0) / 2 };
    }
    return best;
  } finally {
    await c.end();
  }
}

/** The API process's builder: no runner, so it claims nothing; it creates and watches. */
async function apiBuilder(url: string): Promise<{ b: ImageBuilder; dispose: () => Promise<void> }> {
  const dir = folder('api-');
  const b = new ImageBuilder({
    runners: [],
    store: new PostgresStore({ connectionString: url }),
    leaseMs: LEASE_MS,
    credentialKey: CREDENTIAL_KEY,
    logDir: join(dir, 'logs'),
  });
  await b.ready();
  return {
    b,
    dispose: async () => {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createRepositories(b: ImageBuilder): Promise<void> {
  await b.create(repo('src', { accessMode: 'Read' }));
  await b.create(repo('dst'));
}

// ---------------------------------------------------------------- one throughput round

interface Round {
  processes: number;
  perSecond: number;
  /** Runner phase emission (child) → receipt by the API process's watch (Pushing, Completed). */
  e2e: number[];
  /** The write's transaction start in the database (`ib_changes.at`) → receipt by the API process's watch (all three phases). */
  feed: number[];
  jobsPer: number[];
  failed: number;
  /** The Ready messages of the first failed jobs. */
  failures: string[];
  writesPerJob: number;
  xactsPerJob: number;
  cpuMsPer1k: { children: number; api: number; postgres: number | undefined };
  elu: number[];
  clockError: number;
  queries: Map<string, QueryStat>;
  apiQueries: Map<string, QueryStat>;
}

/** The API process's statements (BENCH_PG_PROFILE). */
const apiStats = new Map<string, QueryStat>();

/**
 * One round: `jobs` builds created as fast as 16 creates in flight allow (the saturated figures),
 * or at `pace` builds per second (the latency a process adds below saturation).
 */
async function run(admin: string, processes: number, jobs = JOBS, pace?: number): Promise<Round> {
  const db = await freshDatabase(admin);
  const api = await apiBuilder(db.url);
  const children: Child[] = [];
  try {
    await createRepositories(api.b);
    children.push(...(await Promise.all(Array.from({ length: processes }, () => startChild(db.url)))));

    const received = new Map<string, number>(); // `${name}/${phase}` → API process clock
    let transitions = 0;
    let terminal = 0;
    let failed = 0;
    const failures: string[] = [];
    let lastEvent = clock();
    let lastTerminal = 0;
    let finish!: () => void;
    const allDone = new Promise<void>((r) => (finish = r));
    const w = api.b.watch({ kind: 'ImageBuild', maxBuffered: 1_000_000 });
    const consumer = (async () => {
      for await (const ev of w as AsyncIterable<WatchEvent>) {
        const now = clock();
        lastEvent = now;
        if (ev.type !== 'phase' || ev.from === ev.phase) continue;
        transitions++;
        received.set(`${ev.name}/${ev.phase}`, now);
        if (ev.phase === 'Completed' || ev.phase === 'Failed' || ev.phase === 'Canceled') {
          if (ev.phase !== 'Completed' && ++failed <= 3) failures.push(`${ev.name}: ${ev.message}`);
          lastTerminal = now;
          if (++terminal === jobs) finish();
        }
      }
    })();

    const dbClock = await databaseClock(db.url);
    const cpuApi0 = process.cpuUsage();
    const pgCpu0 = await postgresCpuMs(admin);
    apiStats.clear();
    for (const c of children) c.proc.send({ type: 'go' } satisfies ToChild);
    let next = 0;
    const t0 = clock();
    const creating = Promise.all(
      Array.from({ length: CREATE_PARALLEL }, async () => {
        while (next < jobs) {
          const i = next++;
          // paced: build i is due i/pace seconds after the start
          if (pace) await sleep(t0 + (i * 1000) / pace - clock());
          await api.b.create(build(`b${i}`));
        }
      }),
    );
    let watchdog: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      watchdog = setInterval(() => {
        if (clock() - lastEvent > STALL_MS)
          reject(new Error(`stalled: ${terminal}/${jobs} terminal, ${transitions} transitions seen`));
      }, 1000);
    });
    try {
      await Promise.race([Promise.all([creating, allDone]), stalled]);
    } finally {
      clearInterval(watchdog);
    }
    const seconds = (lastTerminal - t0) / 1000;
    const apiQueries = new Map(apiStats);
    const pgCpu1 = await postgresCpuMs(admin);
    const apiCpu = process.cpuUsage(cpuApi0);

    const started = [...children];
    const all = await Promise.all(started.map(stopChild));
    children.length = 0;
    await api.dispose();
    await consumer;

    const e2e: number[] = [];
    const queries = new Map<string, QueryStat>();
    all.forEach((d, i) => {
      const offset = started[i]!.offset;
      for (const [name, phase, t] of d.runner) {
        const r = received.get(`${name}/${phase}`);
        // Building: the builder writes it when it claims the job, before the runner starts (no origin)
        if (phase !== 'Building' && r !== undefined) e2e.push(r - (t - offset));
      }
      for (const [k, s] of Object.entries(d.queries ?? {})) {
        const q = queries.get(k) ?? { n: 0, ms: 0 };
        q.n += s.n;
        q.ms += s.ms;
        queries.set(k, q);
      }
    });
    // The database's time of each phase write: the first change row of each (build, Ready reason).
    const feed: number[] = [];
    const firstWrite = new Set<string>();
    const rows = await adminQuery<{ name: string; at: number; object: string }>(
      db.url,
      `SELECT name, (extract(epoch FROM at) * 1000)::float8 AS at, object FROM ib_changes
       WHERE kind = 'ImageBuild' AND type = 'upsert' ORDER BY id`,
    );
    for (const row of rows) {
      const o = JSON.parse(row.object) as { status?: { conditions?: Array<{ type: string; reason: string }> } };
      const reason = o.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'Pending';
      const key = `${row.name}/${reason}`;
      if (firstWrite.has(key)) continue;
      firstWrite.add(key);
      const r = received.get(key);
      if (r !== undefined) feed.push(r - (row.at - dbClock.offset));
    }

    const [changes] = await adminQuery<{ n: string }>(
      db.url,
      "SELECT count(*) AS n FROM ib_changes WHERE kind = 'ImageBuild'",
    );
    await sleep(200); // the backends that just ended flush their statistics
    const [stat] = await adminQuery<{ x: string }>(
      admin,
      'SELECT xact_commit + xact_rollback AS x FROM pg_stat_database WHERE datname = $1',
      [db.name],
    );
    const per1k = (ms: number): number => (ms / transitions) * 1000;
    return {
      processes,
      perSecond: transitions / seconds,
      e2e,
      feed,
      jobsPer: all.map((d) => d.jobs),
      failed,
      failures,
      writesPerJob: Number(changes?.n ?? 0) / jobs,
      xactsPerJob: Number(stat?.x ?? 0) / jobs,
      cpuMsPer1k: {
        children: per1k(all.reduce((a, d) => a + d.cpuMs, 0)),
        api: per1k((apiCpu.user + apiCpu.system) / 1000),
        postgres: pgCpu0 !== undefined && pgCpu1 !== undefined ? per1k(pgCpu1 - pgCpu0) : undefined,
      },
      elu: all.map((d) => d.elu),
      clockError: Math.max(dbClock.error, ...started.map((c) => c.error)),
      queries,
      apiQueries,
    };
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
    await api.dispose().catch(() => undefined);
    await dropDatabase(admin, db.name);
  }
}

// ---------------------------------------------------------------- lease takeover

interface Takeover {
  /** SIGKILL of the holder → the API process's watch sees the job Failed. */
  fromKill: number;
  /** The dead holder's lease expiry (database clock, read right after the kill) → seen Failed. */
  fromExpiry: number;
  /** Holder's last renewal → the kill (how much of the lease was left). */
  leaseLeft: number;
  message: string;
}

/**
 * Two builder processes and the API process; one build whose runner hangs. Once it runs (and after a
 * renewal or two), its process is SIGKILLed; the survivor must take it over and end it Failed.
 */
async function takeover(admin: string): Promise<Takeover> {
  const db = await freshDatabase(admin);
  const api = await apiBuilder(db.url);
  const children: Child[] = [];
  try {
    await createRepositories(api.b);
    children.push(...(await Promise.all([startChild(db.url), startChild(db.url)])));
    const w = api.b.watch({ kind: 'ImageBuild', name: 'victim' });
    await api.b.create(build('victim'));
    const holder = await Promise.any(
      children.map(async (c) => {
        await c.next('running', 60_000);
        return c;
      }),
    );
    await sleep(LEASE_MS * 1.25); // a renewal or two have happened: the kill lands anywhere in a renewal period
    const killed = clock();
    holder.proc.kill('SIGKILL');
    const [row] = await adminQuery<{ expires: number }>(
      db.url,
      `SELECT (extract(epoch FROM lease_expires) * 1000)::float8 AS expires FROM ib_resources
       WHERE kind = 'ImageBuild' AND name = 'victim'`,
    );
    const expires = row?.expires ?? Number.NaN;
    let timer: NodeJS.Timeout | undefined;
    const seen = await Promise.race([
      (async () => {
        for await (const ev of w as AsyncIterable<WatchEvent>) {
          if (ev.type === 'phase' && ev.phase === 'Failed') return { at: clock(), message: ev.message };
          if (ev.type === 'phase' && ev.phase === 'Completed') throw new Error('the victim completed');
        }
        throw new Error('watch ended');
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the killed job did not end Failed within lease + 60 s')),
          LEASE_MS + 60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return {
      fromKill: seen.at - killed,
      fromExpiry: seen.at - expires,
      leaseLeft: expires - killed,
      message: seen.message,
    };
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
    await api.dispose().catch(() => undefined);
    await dropDatabase(admin, db.name);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  // ended by a signal: the exit handler still stops the children and removes the folders
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const admin = process.env['PG_URL'] || harnessPgUrl(loadHarnessEnv());
  if (PROFILE) installProfiler(apiStats);
  const load = watchMachineLoad();

  const rounds = new Map<number, Round[]>(PROCESSES.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of PROCESSES) {
      const res = await run(admin, n);
      rounds.get(n)!.push(res);
      console.error(
        `round ${r + 1}, ${n} process(es): ${res.perSecond.toFixed(0)} transitions/s; runner→watch p50 ${pct(res.e2e, 50).toFixed(1)} p99 ${pct(res.e2e, 99).toFixed(1)} ms; commit→watch p99 ${pct(res.feed, 99).toFixed(1)} ms; jobs per process ${res.jobsPer.join('/')}${res.failed ? `; ${res.failed} FAILED (${res.failures.join('; ')})` : ''}`,
      );
      if (PROFILE) printProfile(res);
    }
  }
  const paced = new Map<number, Round>();
  if (PACE > 0)
    for (const n of PROCESSES) {
      const res = await run(admin, n, PACED_JOBS, PACE);
      paced.set(n, res);
      console.error(
        `paced ${PACE} builds/s, ${n} process(es): ${res.perSecond.toFixed(0)} transitions/s; runner→watch p50 ${pct(res.e2e, 50).toFixed(1)} p99 ${pct(res.e2e, 99).toFixed(1)} ms; commit→watch p99 ${pct(res.feed, 99).toFixed(1)} ms${res.failed ? `; ${res.failed} FAILED (${res.failures.join('; ')})` : ''}`,
      );
    }
  const takeovers: Takeover[] = [];
  for (let i = 0; i < TAKEOVERS; i++) {
    const t = await takeover(admin);
    takeovers.push(t);
    console.error(
      `takeover ${i + 1}: ${t.fromKill.toFixed(0)} ms after the kill, ${t.fromExpiry.toFixed(0)} ms after the lease expired (lease ${LEASE_MS} ms, ${t.leaseLeft.toFixed(0)} ms of it left at the kill): "${t.message}"`,
    );
  }
  const loadLines = load.lines();

  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const f0 = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(0) : '–');
  const latency = markdownTable(
    [
      'builder processes',
      'rounds',
      'transitions/s (median)',
      'transitions/s (worst)',
      'runner→watch p50 ms (median)',
      'runner→watch p99 ms (median)',
      'runner→watch p99 ms (worst round)',
      'commit→watch p50 ms (median)',
      'commit→watch p99 ms (median)',
      'jobs per process (min–max)',
      'failed',
    ],
    [...rounds].map(([n, rs]) => [
      String(n),
      String(rs.length),
      f0(median(rs.map((r) => r.perSecond))),
      f0(Math.min(...rs.map((r) => r.perSecond))),
      f1(median(rs.map((r) => pct(r.e2e, 50)))),
      f1(median(rs.map((r) => pct(r.e2e, 99)))),
      f1(Math.max(...rs.map((r) => pct(r.e2e, 99)))),
      f1(median(rs.map((r) => pct(r.feed, 50)))),
      f1(median(rs.map((r) => pct(r.feed, 99)))),
      `${Math.min(...rs.flatMap((r) => r.jobsPer))}–${Math.max(...rs.flatMap((r) => r.jobsPer))}`,
      String(rs.reduce((a, r) => a + r.failed, 0)),
    ]),
  );
  const cost = markdownTable(
    [
      'builder processes',
      'job writes (ib_changes rows) per build',
      'database transactions per build',
      'CPU ms per 1,000 transitions: builder processes',
      'API process',
      'PostgreSQL',
      'event-loop utilisation of a builder process',
    ],
    [...rounds].map(([n, rs]) => [
      String(n),
      median(rs.map((r) => r.writesPerJob)).toFixed(2),
      median(rs.map((r) => r.xactsPerJob)).toFixed(1),
      f0(median(rs.map((r) => r.cpuMsPer1k.children))),
      f0(median(rs.map((r) => r.cpuMsPer1k.api))),
      rs.every((r) => r.cpuMsPer1k.postgres !== undefined) ? f0(median(rs.map((r) => r.cpuMsPer1k.postgres!))) : '–',
      `${(median(rs.flatMap((r) => r.elu)) * 100).toFixed(0)} %`,
    ]),
  );
  console.log(latency);
  console.log(cost);
  const clockError = Math.max(...[...rounds.values()].flat().map((r) => r.clockError));
  const lost = takeovers.filter((t) => !t.message.includes(LOST));
  const most = Math.max(...PROCESSES);
  const rate = median(rounds.get(most)!.map((r) => r.perSecond));
  const p99 = Math.max(...[...rounds.values()].map((rs) => median(rs.map((r) => pct(r.e2e, 99)))));
  const slowest = Math.max(...takeovers.map((t) => t.fromKill));
  const pacedP99 = Math.max(...[...paced.values()].map((r) => pct(r.e2e, 99)));
  const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const targets = [
    `Targets (issue 16): ≥ 1,000 transitions/s with ${most} processes: ${verdict(rate >= 1000)} (${rate.toFixed(0)});`,
    `cross-process event p99 ≤ 50 ms: ${verdict(p99 <= 50)} at full load (runner→watch p99, median of the rounds, at most ${p99.toFixed(0)} ms)${paced.size ? `; ${verdict(pacedP99 <= 50)} at ${PACE} builds/s (at most ${pacedP99.toFixed(0)} ms)` : ''};`,
    takeovers.length
      ? `takeover ≤ lease + 2 s: ${verdict(slowest <= LEASE_MS + 2000 && lost.length === 0)} (at most ${slowest.toFixed(0)} ms after the kill, lease ${LEASE_MS} ms).`
      : 'takeover: not measured (BENCH_PG_TAKEOVERS=0).',
  ].join('\n');

  const env = [
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} cores, shared by every builder process, the API process and PostgreSQL 15 (harness cluster: fsync, synchronous_commit and full_page_writes off).`,
    loadLines,
  ].join('\n');
  const generated = `<!-- bench-multiprocess:start (written by bench/builder/multi-process.bench.ts) -->
Command: \`BENCH_PG_ROUNDS=${ROUNDS} BENCH_PG_JOBS=${JOBS} npx tsx --conditions=@imagebuild/source bench/builder/multi-process.bench.ts\`

${env}

${targets}

Through \`ImageBuilder\`: each builder process is a child process with one \`ImageBuilder\` (an instantaneous
in-process runner, concurrency ${CONCURRENCY}, \`leaseMs\` ${LEASE_MS}) on one \`PostgresStore\`; the parent process is
the API process: an \`ImageBuilder\` with \`runners: []\` that creates ${JOBS} ImageBuilds (${CREATE_PARALLEL} creates in
flight) and watches them. A fresh database per round; the builder processes have started and are ready
before the first create.

- **transitions/s**: phase transitions (Pending → Building → Pushing → Completed: 3 per build) seen by
  the API process's watch, divided by the time from its first create to its receipt of the last
  terminal event. Creates are not counted (the lifecycle bench above counts them: add a third).
- **runner→watch**: from the runner's phase emission in a builder process (Pushing, Completed; the
  runner emits before the builder writes) to the event's receipt by \`watch()\` in the API process:
  the whole path (the writer's queue and write, the commit, the notification, the feed's read, the
  API process's event hub). The target (p99 ≤ 50 ms) is judged on this one. Building has no such
  origin: the builder writes it when it claims the job, before the runner starts.
- **commit→watch**: from the phase write's transaction start in the database (\`ib_changes.at\`, the
  first change row of each build and Ready reason; all three phases) to the receipt: the change
  feed's and the API process's share of the path (the statement's own run, well under a ms, is in it).
- Clocks: every side reads this host's wall clock with sub-ms resolution (\`performance.timeOrigin +
  performance.now()\`, PostgreSQL's \`clock_timestamp()\`); the offsets of each builder process (over
  IPC) and of the database (over a query) are measured, the sample with the shortest of 20–30 round
  trips taken, and subtracted; they are known to within ±${clockError.toFixed(2)} ms. Not used, and why: the Ready
  condition's \`lastTransitionTime\` changes only when the condition's status does (False → True at
  Completed), so Building and Pushing keep Pending's time; and the writer's own acknowledgement of its
  write arrives late when its event loop is busy (measured: the API process often had the change
  before the writer had its answer).

${latency}
${
  paced.size
    ? `
Below saturation: one round per process count in which the API process creates ${PACED_JOBS} builds at ${PACE} per
second (${PACE * 3} transitions/s offered), so the figures are the path's own latency rather than queueing
for a CPU:

${markdownTable(
  [
    'builder processes',
    'transitions/s',
    'runner→watch p50 ms',
    'runner→watch p99 ms',
    'commit→watch p50 ms',
    'commit→watch p99 ms',
    'failed',
  ],
  [...paced].map(([n, r]) => [
    String(n),
    r.perSecond.toFixed(0),
    f1(pct(r.e2e, 50)),
    f1(pct(r.e2e, 99)),
    f1(pct(r.feed, 50)),
    f1(pct(r.feed, 99)),
    String(r.failed),
  ]),
)}
`
    : ''
}
Cost (medians of the rounds; CPU of the API process includes its creates, PostgreSQL's is the whole
cluster's, shared with anything else using it):

${cost}

Lease takeover (${takeovers.length} runs): a builder process running a build whose runner hangs is SIGKILLed
${LEASE_MS * 1.25} ms after the build started (so it has renewed); the other builder process takes the job
over and ends it Failed; the API process's watch sees it.

${markdownTable(
  [
    'run',
    'kill → Failed seen ms',
    'lease expiry → Failed seen ms',
    'lease left at the kill ms',
    'target (kill → seen ≤ lease + 2 s)',
    'Ready message',
  ],
  takeovers.map((t, i) => [
    String(i + 1),
    t.fromKill.toFixed(0),
    t.fromExpiry.toFixed(0),
    t.leaseLeft.toFixed(0),
    t.fromKill <= LEASE_MS + 2000 ? 'met' : 'missed',
    t.message.replace(/\|/g, '\\|'),
  ]),
)}
${lost.length ? `\n${lost.length} takeover(s) ended Failed without "${LOST}" in the message.\n` : ''}<!-- bench-multiprocess:end -->`;
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const marked = /<!-- bench-multiprocess:start[\s\S]*?<!-- bench-multiprocess:end -->/;
  writeFileSync(
    RESULTS,
    marked.test(previous)
      ? previous.replace(marked, generated)
      : `${previous.trimEnd()}\n\n## Several builder processes on one PostgreSQL, through ImageBuilder\n\n${generated}\n`,
  );
}

function printProfile(r: Round): void {
  const transitions = JOBS * 3;
  for (const [who, stats] of [
    [`${r.processes} builder process(es)`, r.queries],
    ['the API process', r.apiQueries],
  ] as const) {
    const rows = [...stats]
      .sort((a, b) => b[1].n - a[1].n)
      .slice(0, 25)
      .map(([k, s]) => [
        (s.n / JOBS).toFixed(2),
        (s.n / transitions).toFixed(2),
        (s.ms / s.n).toFixed(2),
        s.ms.toFixed(0),
        k.replace(/\|/g, '\\|'),
      ]);
    console.error(`statements of ${who}:`);
    console.error(markdownTable(['per build', 'per transition', 'mean ms', 'total ms', 'statement'], rows));
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!);
else await main();
