// Push and download of large files to registry A: our client vs curl moving the same bytes.
// BENCH_SIZES=1GiB,4GiB (default) selects the sizes; BENCH_REPS (default 5) the repetitions,
// run alternately (curl, ours, curl, ours…) and summarised by the median, because the box is shared.
// Writes bench/results/oci.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatSize,
  markdownTable,
  mbps,
  median,
  MiB,
  parseSizes,
  runTimed,
  runTool,
  type RunResult,
} from '../lib/index.js';

const envFile = `${process.env['IBH_DIR'] ?? '/tmp/ibh'}/env`;
if (!existsSync(envFile)) throw new Error(`no harness env at ${envFile}: run 'npm run engines:up'`);
const registry = /^REGISTRY_PLAIN=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
if (!registry) throw new Error('REGISTRY_PLAIN missing from the harness env');
const sizes = parseSizes(process.env['BENCH_SIZES'] ?? '1GiB,4GiB');
const reps = Math.max(1, Number(process.env['BENCH_REPS'] ?? 5));
const dir = process.env['BENCH_TMP'] ?? '/tmp/oci-bench';
mkdirSync(dir, { recursive: true });
const base = `http://${registry}`;
const stamp = Date.now().toString(36);
const loadStart = readFileSync('/proc/loadavg', 'utf8').trim();
let seq = 0;
const repo = (kind: string): string => `bench/${kind}-${stamp}-${seq++}`;

interface Sample {
  ms: number;
  wall: number;
  rss: number;
  cpu: number;
}
const sample = (r: RunResult, ms = r.ms): Sample => ({ ms, wall: ms, rss: r.peakRss ?? 0, cpu: r.cpuS ?? 0 });

async function curlPush(file: string, digest: string): Promise<Sample> {
  const t0 = performance.now();
  const post = await runTool('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-D',
    '-',
    '-X',
    'POST',
    `${base}/v2/${repo('curl')}/blobs/uploads/`,
  ]);
  const loc = /^location:\s*(\S+)/im.exec(post.stdout)?.[1];
  if (!loc) throw new Error(`curl POST: no Location in ${post.stdout}`);
  const url = new URL(loc, base);
  url.searchParams.set('digest', digest);
  const put = await runTimed('curl', [
    '-sS',
    '--fail',
    '-o',
    '/dev/null',
    '-T',
    file,
    '-X',
    'PUT',
    '-H',
    'Content-Type: application/octet-stream',
    url.href,
  ]);
  return sample(put, performance.now() - t0);
}

async function curlGet(repository: string, digest: string, out: string): Promise<Sample> {
  const r = await runTimed('curl', ['-sS', '--fail', '-L', '-o', out, `${base}/v2/${repository}/blobs/${digest}`]);
  rmSync(out, { force: true });
  return sample(r);
}

async function ours(args: string[], digest: string): Promise<Sample> {
  const r = await runTimed(process.execPath, ['bench/oci/worker.mjs', ...args]);
  const w = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ms: number; digest: string };
  if (w.digest !== digest) throw new Error(`${args[0]}: digest ${w.digest} != ${digest}`);
  return { ms: w.ms, wall: r.ms, rss: r.peakRss ?? 0, cpu: r.cpuS ?? 0 };
}

const med = (xs: Sample[], k: keyof Sample): number => median(xs.map((x) => x[k]));

// The worker runs the built package (plain node, no TypeScript loader in its RSS).
execFileSync('npx', ['tsup', '--config', '../../tsup.config.ts', '--silent'], {
  cwd: 'packages/oci',
  stdio: 'inherit',
});
const rows: (string | number)[][] = [];
for (const size of sizes) {
  const file = join(dir, `blob-${size}.bin`);
  const out = join(dir, 'out.bin');
  execFileSync('sh', ['-c', `head -c ${size} /dev/urandom > "${file}"`]);
  const digest = `sha256:${execFileSync('sha256sum', [file]).toString().split(' ')[0]}`;
  const src = repo('src');
  await ours(['push-mono', registry, src, file, digest], digest); // the blob to download
  const s: Record<string, Sample[]> = { curlPush: [], push: [], chunked: [], mono: [], curlGet: [], get: [] };
  for (let i = 0; i < reps; i++) {
    s['curlPush']?.push(await curlPush(file, digest));
    s['push']?.push(await ours(['push', registry, repo('ours'), file], digest));
    s['chunked']?.push(await ours(['push-chunked', registry, repo('chunked'), file], digest));
    s['mono']?.push(await ours(['push-mono', registry, repo('mono'), file, digest], digest));
    s['curlGet']?.push(await curlGet(src, digest, out));
    s['get']?.push(await ours(['download', registry, src, out, digest], digest));
    rmSync(out, { force: true });
  }
  rmSync(file, { force: true });
  const row = (name: string, curl: Sample[], mine: Sample[]): (string | number)[] => [
    name,
    formatSize(size),
    mbps(size, med(curl, 'ms')),
    mbps(size, med(mine, 'ms')),
    (med(curl, 'ms') / med(mine, 'ms')).toFixed(2),
    (med(curl, 'wall') / med(mine, 'wall')).toFixed(2),
    `${(Math.max(...curl.map((x) => x.rss)) / MiB).toFixed(0)} / ${(Math.max(...mine.map((x) => x.rss)) / MiB).toFixed(0)}`,
    `${med(curl, 'cpu').toFixed(1)} / ${med(mine, 'cpu').toFixed(1)}`,
  ];
  const c = (k: string): Sample[] => s[k] ?? [];
  rows.push(
    row('push (default: one streamed PATCH, sha256 while uploading)', c('curlPush'), c('push')),
    row('push (chunkSize 64 MiB)', c('curlPush'), c('chunked')),
    row('push (digest known: monolithic PUT)', c('curlPush'), c('mono')),
    row('download (sha256 verified, to file)', c('curlGet'), c('get')),
  );
}
const table = markdownTable(
  [
    'operation',
    'size',
    'curl MiB/s',
    'ours MiB/s',
    'ours/curl',
    'incl. node start',
    'peak RSS MiB curl / ours',
    'CPU s curl / ours',
  ],
  rows,
);
console.log(table);
const md = [
  '# OCI transfer benchmark (registry A, plain http, loopback)',
  '',
  `Date: ${new Date().toISOString()}  `,
  `Command: \`BENCH_SIZES=${sizes.map(formatSize).join(',').replace(/ /g, '')} BENCH_REPS=${reps} npx tsx bench/oci/oci.bench.ts\`  `,
  `Machine: ${process.arch}, Node ${process.version}, registry 2.8 (harness registry A, same host); shared 2-core VM.`,
  '',
  'curl: `POST` then `curl -T file -X PUT <location>&digest=…` (monolithic); `curl -o file GET /v2/<n>/blobs/<digest>`.',
  'Ours: `RegistryClient.uploadBlob` / `downloadBlob` (built package, plain node) in a child process each; throughput includes',
  "session setup and commit but not Node's start-up and module load (the SDK runs inside a long-lived process); the",
  '"incl. node start" column compares whole-process wall times instead (curl\'s includes its start-up). Each figure is the median of the repetitions, run alternately with curl. Peak RSS is the',
  "maximum over repetitions of the transferring process's max RSS (GNU time `%M`, the same for curl and ours; Node runtime",
  'and module load included). CPU = user + system seconds of the transferring process (median). Targets: ratio ≥ 0.95,',
  'peak RSS ≤ 100 MiB.',
  `Load average at the start: ${loadStart}; at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}.`,
  '',
  table,
  '',
].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/oci.md', md);
rmSync(dir, { recursive: true, force: true });
