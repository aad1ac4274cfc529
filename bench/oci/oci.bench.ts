// Push and download of large files to registry A: our client vs curl moving the same bytes.
// BENCH_SIZES=1GiB,4GiB (default) selects the sizes. Writes bench/results/oci.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSize, markdownTable, mbps, MiB, parseSizes, runTool } from '../lib/index.js';

const envFile = `${process.env['IBH_DIR'] ?? '/tmp/ibh'}/env`;
if (!existsSync(envFile)) throw new Error(`no harness env at ${envFile}: run 'npm run engines:up'`);
const registry = /^REGISTRY_PLAIN=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
if (!registry) throw new Error('REGISTRY_PLAIN missing from the harness env');
const sizes = parseSizes(process.env['BENCH_SIZES'] ?? '1GiB,4GiB');
const dir = process.env['BENCH_TMP'] ?? '/tmp/oci-bench';
mkdirSync(dir, { recursive: true });
const base = `http://${registry}`;
const stamp = Date.now().toString(36);

async function curlPush(repo: string, file: string, digest: string): Promise<number> {
  const t0 = performance.now();
  const post = await runTool('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-X', 'POST', `${base}/v2/${repo}/blobs/uploads/`]);
  const loc = /^location:\s*(\S+)/im.exec(post.stdout)?.[1];
  if (!loc) throw new Error(`curl POST: no Location in ${post.stdout}`);
  const url = new URL(loc, base);
  url.searchParams.set('digest', digest);
  await runTool('curl', ['-sS', '--fail', '-o', '/dev/null', '-T', file, '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', url.href]);
  return performance.now() - t0;
}

async function curlGet(repo: string, digest: string, out: string): Promise<number> {
  const r = await runTool('curl', ['-sS', '--fail', '-L', '-o', out, `${base}/v2/${repo}/blobs/${digest}`]);
  return r.ms;
}

interface Worker { ms: number; peakRss: number; digest: string }
async function node(script: string, args: string[]): Promise<Worker> {
  const r = await runTool(process.execPath, [script, ...args]);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Worker;
}
// The worker runs the built package (plain node, no TypeScript loader in its RSS).
execFileSync('npx', ['tsup', '--config', '../../tsup.config.ts'], { cwd: 'packages/oci', stdio: 'ignore' });
const rows: (string | number)[][] = [];
for (const size of sizes) {
  const file = join(dir, `blob-${size}.bin`);
  const out = join(dir, 'out.bin');
  execFileSync('sh', ['-c', `head -c ${size} /dev/urandom > "${file}"`]);
  const digest = `sha256:${execFileSync('sha256sum', [file]).toString().split(' ')[0]}`;
  const repoCurl = `bench/curl-${stamp}-${size}`;
  const repoOurs = `bench/ours-${stamp}-${size}`;
  const repoMono = `bench/mono-${stamp}-${size}`;
  const cPush = await curlPush(repoCurl, file, digest);
  const oPush = await node('bench/oci/worker.mjs', ['push', registry, repoOurs, file]);
  if (oPush.digest !== digest) throw new Error(`push digest ${oPush.digest} != ${digest}`);
  const oMono = await node('bench/oci/worker.mjs', ['push-mono', registry, repoMono, file, digest]);
  const cGet = await curlGet(repoCurl, digest, out);
  rmSync(out, { force: true });
  const oGet = await node('bench/oci/worker.mjs', ['download', registry, repoOurs, out, digest]);
  rmSync(out, { force: true });
  rmSync(file, { force: true });
  rows.push(
    [formatSize(size), 'push (chunked, sha256 while uploading)', mbps(size, cPush), mbps(size, oPush.ms), (cPush / oPush.ms).toFixed(2), (oPush.peakRss / MiB).toFixed(0)],
    [formatSize(size), 'push (monolithic, digest known)', mbps(size, cPush), mbps(size, oMono.ms), (cPush / oMono.ms).toFixed(2), (oMono.peakRss / MiB).toFixed(0)],
    [formatSize(size), 'download (verified, to file)', mbps(size, cGet), mbps(size, oGet.ms), (cGet / oGet.ms).toFixed(2), (oGet.peakRss / MiB).toFixed(0)],
  );
}
const table = markdownTable(['size', 'transfer', 'curl MiB/s', 'ours MiB/s', 'ours/curl', 'our peak RSS MiB'], rows);
console.log(table);
const md = [
  '# OCI transfer benchmark (registry A, plain http, loopback)',
  '',
  `Date: ${new Date().toISOString()}  `,
  `Command: \`BENCH_SIZES=${sizes.map(formatSize).join(',').replace(/ /g, '')} npm run bench\` (bench/oci/oci.bench.ts)  `,
  `Machine: ${process.arch}, Node ${process.version}, registry 2.8 (harness registry A); shared 2-core VM, so figures vary run to run.`,
  '',
  'curl: `POST` then `curl -T file -X PUT <location>&digest=…` (monolithic); `curl -o file GET /v2/<n>/blobs/<digest>`.',
  'Ours: `RegistryClient.uploadBlob` / `downloadBlob` (built package, plain node) in a child process each; throughput includes session setup and',
  'commit; peak RSS is VmHWM of that process (Node runtime included). Targets: ratio ≥ 0.95, peak RSS ≤ 100 MiB.',
  '',
  table,
  '',
].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/oci.md', md);
rmSync(dir, { recursive: true, force: true });
