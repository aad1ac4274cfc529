// 1,000 resources (500 ImageBuilds, each with one ImageExport) through the whole lifecycle on an
// in-process instantaneous runner, in memory and on SQLite: transitions per second and the latency
// of watch() events. Targets: ≥ 2,000 transitions/s in memory, ≥ 500/s durable, p99 ≤ 5 ms.
// Runs BENCH_BUILDER_ROUNDS rounds (default 5), memory and SQLite alternating, and reports the median
// round and the worst one, with the machine's load and CPU pressure while it ran.
//   npx tsx --conditions=@imagebuild/source bench/builder/lifecycle.bench.ts
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuilder, MemoryStore, SqliteStore, type Store } from '@imagebuild/builder';
import { InstantRunner } from '../../packages/builder/test/instant-runner.js';
import { markdownTable, median, watchMachineLoad } from '../lib/index.js';

const BUILDS = Number(process.env['BENCH_BUILDER_BUILDS'] ?? 500);
const ROUNDS = Number(process.env['BENCH_BUILDER_ROUNDS'] ?? 5);
const CONCURRENCY = 8;
const RESULTS = join(process.cwd(), 'bench/results/builder.md');

interface Round {
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  createP99: number;
  latencies: number[];
}

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function run(store: Store): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-'));
  const runner = new InstantRunner({ lines: 1 });
  const emitted = new Map<string, number>(); // `${name}/${phase}` → runner time
  runner.onPhase = (name, phase, at) => emitted.set(`${name}/${phase}`, at);
  const b = new ImageBuilder({ runners: [runner], store, concurrency: CONCURRENCY, logDir: join(dir, 'logs') });
  // steady state: jobs wait for the start-up sweep, so creates made before it ends queue and start
  // in one burst (measured: event p50 0.1 ms → 4–7 ms) — the figures are about what follows
  await b.ready();
  const spec = { type: 'oci' as const, registry: 'localhost:5000', scheme: 'http' as const };
  await b.create({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'src' },
    spec: { ...spec, accessMode: 'Read' },
  });
  await b.create({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'dst' },
    spec: { ...spec, accessMode: 'ReadWrite' },
  });

  const latencies: number[] = [];
  const createLat: number[] = [];
  const createdAt = new Map<string, number>();
  let transitions = 0;
  let completed = 0;
  const total = BUILDS * 2;
  let finish!: () => void;
  const allDone = new Promise<void>((r) => (finish = r));
  const w = b.watch({ maxBuffered: 1_000_000 });
  const consumer = (async () => {
    for await (const ev of w) {
      const now = performance.now();
      if (ev.type === 'created') {
        const t = createdAt.get(ev.name);
        if (t !== undefined) createLat.push(now - t);
      } else if (ev.type === 'phase') {
        transitions++;
        const t = emitted.get(`${ev.name}/${ev.phase}`);
        if (t !== undefined) latencies.push(now - t);
        if (ev.phase === 'Completed' || ev.phase === 'Failed') if (++completed === total) finish();
      }
    }
  })();

  const t0 = performance.now();
  for (let i = 0; i < BUILDS; i++) {
    const name = `b${i}`;
    createdAt.set(name, performance.now());
    await b.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name },
      spec: {
        source: { repository: 'src', imageName: 'base', imageTag: 'latest' },
        destination: { repository: 'dst', imageName: 'out', imageTag: name },
        binding: { type: 'late' },
      },
    });
    createdAt.set(`${name}-e`, performance.now());
    await b.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: `${name}-e` },
      spec: { source: { type: 'imageBuild', imageBuildRef: name }, format: 'qcow2' },
    });
  }
  await allDone;
  const seconds = (performance.now() - t0) / 1000;
  await b.close();
  await consumer;
  rmSync(dir, { recursive: true, force: true });
  // Each resource: created (Pending) + 3 phase transitions (→ Building|Converting → Pushing → Completed).
  return {
    perSecond: (transitions + total) / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: Math.max(...latencies),
    createP99: pct(createLat, 99),
    latencies,
  };
}

const stores = {
  memory: () => ({ store: new MemoryStore() as Store, cleanup: () => undefined }),
  'sqlite (WAL, synchronous=NORMAL)': () => {
    const dbDir = mkdtempSync(join(tmpdir(), 'ib-bench-db-'));
    return {
      store: new SqliteStore({ path: join(dbDir, 'b.sqlite') }) as Store,
      cleanup: () => rmSync(dbDir, { recursive: true, force: true }),
    };
  },
};
type Label = keyof typeof stores;

const load = watchMachineLoad();
const rounds = new Map<Label, Round[]>([...Object.keys(stores)].map((k) => [k as Label, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const label of Object.keys(stores) as Label[]) {
    const { store, cleanup } = stores[label]();
    const res = await run(store);
    cleanup();
    rounds.get(label)!.push(res);
    console.error(
      `round ${r + 1} ${label}: ${res.perSecond.toFixed(0)}/s p50 ${res.p50.toFixed(2)} p99 ${res.p99.toFixed(2)} max ${res.max.toFixed(2)} ms`,
    );
  }
}
const loadLines = load.lines();

const f = (x: number): string => x.toFixed(2);
const rows = [...rounds].map(([label, rs]) => {
  const pooled = rs.flatMap((r) => r.latencies);
  return [
    label,
    String(rs.length),
    median(rs.map((r) => r.perSecond)).toFixed(0),
    Math.min(...rs.map((r) => r.perSecond)).toFixed(0),
    f(median(rs.map((r) => r.p50))),
    f(median(rs.map((r) => r.p99))),
    f(Math.max(...rs.map((r) => r.p99))),
    f(pct(pooled, 99)),
    f(Math.max(...rs.map((r) => r.max))),
    f(median(rs.map((r) => r.createP99))),
  ];
});
const table = markdownTable(
  [
    'store',
    'rounds',
    'transitions/s (median)',
    'transitions/s (worst)',
    'event p50 ms (median)',
    'event p99 ms (median)',
    'event p99 ms (worst round)',
    'event p99 ms (all rounds pooled)',
    'event max ms',
    'create→event p99 ms (median)',
  ],
  rows,
);
console.log(table);

const env = [
  `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} cores; other jobs may run on the machine (load below).`,
  loadLines,
].join('\n');
const generated = `<!-- bench:start (written by bench/builder/lifecycle.bench.ts) -->
Command: \`BENCH_BUILDER_ROUNDS=${ROUNDS} npx tsx --conditions=@imagebuild/source bench/builder/lifecycle.bench.ts\`

${env}

${table}
<!-- bench:end -->`;
const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
const marked = /<!-- bench:start[\s\S]*?<!-- bench:end -->/;
writeFileSync(
  RESULTS,
  marked.test(previous)
    ? previous.replace(marked, generated)
    : `# @imagebuild/builder — lifecycle throughput\n\n${generated}\n`,
);
