// 1,000 resources (500 ImageBuilds, each with one ImageExport) through the whole lifecycle on an
// in-process instantaneous runner, in memory and on SQLite: transitions per second and the latency
// of watch() events. Targets: ≥ 2,000 transitions/s in memory, ≥ 500/s durable, p99 ≤ 5 ms.
//   npx tsx --conditions=@imagebuild/source bench/builder/lifecycle.bench.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuilder, MemoryStore, SqliteStore, type Store } from '@imagebuild/builder';
import { InstantRunner } from '../../packages/builder/test/instant-runner.js';
import { markdownTable } from '../lib/index.js';

const BUILDS = Number(process.env['BENCH_BUILDER_BUILDS'] ?? 500);
const CONCURRENCY = 8;

interface Result {
  store: string;
  resources: number;
  transitions: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  createP99: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function run(label: string, store: Store): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-'));
  const runner = new InstantRunner({ lines: 1 });
  const emitted = new Map<string, number>(); // `${name}/${phase}` → runner time
  runner.onPhase = (name, phase, at) => emitted.set(`${name}/${phase}`, at);
  const b = new ImageBuilder({ runners: [runner], store, concurrency: CONCURRENCY, logDir: join(dir, 'logs') });
  const spec = { type: 'oci' as const, registry: 'localhost:5000', scheme: 'http' as const };
  await b.create({ apiVersion: 'flightctl.io/v1beta1', kind: 'Repository', metadata: { name: 'src' }, spec: { ...spec, accessMode: 'Read' } });
  await b.create({ apiVersion: 'flightctl.io/v1beta1', kind: 'Repository', metadata: { name: 'dst' }, spec: { ...spec, accessMode: 'ReadWrite' } });

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
  const all = transitions + total;
  return {
    store: label,
    resources: total,
    transitions: all,
    seconds,
    perSecond: all / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: Math.max(...latencies),
    createP99: pct(createLat, 99),
  };
}

const dbDir = mkdtempSync(join(tmpdir(), 'ib-bench-db-'));
const results = [await run('memory', new MemoryStore()), await run('sqlite (WAL, synchronous=NORMAL)', new SqliteStore({ path: join(dbDir, 'b.sqlite') }))];
rmSync(dbDir, { recursive: true, force: true });

const rows = results.map((r) => [
  r.store,
  String(r.resources),
  String(r.transitions),
  r.seconds.toFixed(2),
  r.perSecond.toFixed(0),
  r.p50.toFixed(2),
  r.p99.toFixed(2),
  r.max.toFixed(2),
  r.createP99.toFixed(2),
]);
const table = markdownTable(['store', 'resources', 'transitions', 'seconds', 'transitions/s', 'event p50 ms', 'event p99 ms', 'event max ms', 'create→event p99 ms'], rows);
console.log(table);
const md = `# @imagebuild/builder — lifecycle throughput

\`bench/builder/lifecycle.bench.ts\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} shared cores (other engineers' jobs running).

${BUILDS} ImageBuilds, each with one ImageExport (${BUILDS * 2} resources), created one after the other, run to Completed on an
in-process instantaneous runner (the Runner contract with no engine behind it), global concurrency ${CONCURRENCY}.
A transition is a stored state change: the create (Pending) and Pending → Building/Converting → Pushing → Completed.
Event latency: from the runner emitting a phase (or finishing) to a \`watch()\` consumer receiving the resulting
phase event — the builder's store write (CAS), event fan-out and async-iterator delivery in between.
"create→event" is from calling \`create()\` (validation included) to the \`created\` event.

Targets: ≥ 2,000 transitions/s in memory, ≥ 500/s on SQLite, event p99 ≤ 5 ms.

${table}
`;
writeFileSync(join(process.cwd(), 'bench/results/builder.md'), md);
