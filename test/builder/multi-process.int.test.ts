// Issue 16, done when: three builder processes (each an ImageBuilder with a pool of podman over its
// unix socket, dockerd over tcp + mutual TLS and dockerd over ssh) share one fresh PostgreSQL database;
// 30 builds, each with a qcow2 export, are created through all three; one process is SIGKILLed at a
// random moment while it runs jobs. Every job ends; the killed process's running jobs fail ("builder
// process lost") once their lease expires and nothing runs twice (the engines' own events say so);
// the survivors' watchers saw every transition in order; every job's log is whole from both
// survivors; a start-up sweep afterwards leaves nothing on the engines.
import { randomBytes, randomInt } from 'node:crypto';
import { type ClientRequest, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageBuilder, type JobKind } from '@imagebuild/builder';
import { canTransition, isTerminal } from '@imagebuild/core/lifecycle';
import { loadHarnessEnv, TempDirs } from '@imagebuild/testkit';
import pg from 'pg';
import { createTestDatabase } from '../../packages/store-postgres/test/test-database.js';
import { harnessRepositories, imageBuild, imageExport } from '../runners/fixtures.js';
import { allImageIds, engineSettled, leftovers, volumeNames } from '../leftovers/engine-leftovers.js';
import {
  BuilderProcess,
  fold,
  harnessRunners,
  type JobRow,
  type ReadLog,
  readHistory,
  readJobs,
  type SeenEvent,
} from './fixtures/pg-builder-child.js';

const env = loadHarnessEnv();
const dirs = new TempDirs();
const LEASE_MS = 4000; // the children's leaseMs
const BUILDS = 30;
const ACTIVE = new Set(['Building', 'Pushing', 'GeneratingSBOM', 'Converting']);
const LOST = 'builder process lost';
const STARTED = /\[builder\] (ImageBuild|ImageExport) \S+ started on runner/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The pid a job id or lease holder names (`<uuid>.h<host>-p<pid>-t<thread>`). */
const pidOf = (id: string | null | undefined): number | undefined => {
  const m = /-p(\d+)-t\d+$/.exec(id ?? '');
  return m ? Number(m[1]) : undefined;
};

interface ContainerCreate {
  engine: string;
  jobId: string;
  container: string;
}

/**
 * Records the creation of every container labelled `io.imagebuild.job` on an engine, from its `/events`
 * stream. The engine filters by type and action; the label is checked here: podman 4.3 matches a
 * key-only `label` filter to nothing (it needs `key=value`). Podman's stream may also end, or replay
 * older events, when its events file rotates: events from before the start are ignored, and a stream
 * that ends is opened again from the start (containers already seen are not counted twice).
 */
async function recordContainerCreates(
  engine: string,
  socket: string,
  into: ContainerCreate[],
  errors: string[],
): Promise<() => void> {
  const startNs = Date.now() * 1e6;
  const since = Math.floor(Date.now() / 1000) - 1;
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['create'] }));
  const seen = new Set<string>();
  let stopped = false;
  let reopened = 0;
  let req: ClientRequest | undefined;
  const onEvent = (line: string): void => {
    const ev = JSON.parse(line) as {
      Action?: string;
      time?: number;
      timeNano?: number;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
    };
    const jobId = ev.Actor?.Attributes?.['io.imagebuild.job'];
    const id = ev.Actor?.ID ?? '';
    if (ev.Action !== 'create' || !jobId || (ev.timeNano ?? (ev.time ?? 0) * 1e9) < startNs || seen.has(id)) return;
    seen.add(id);
    into.push({ engine, jobId, container: id });
  };
  const open = (query: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const r = request({ socketPath: socket, path: `/v1.41/events?filters=${filters}${query}`, method: 'GET' });
      req = r;
      r.on('error', (err) => (stopped ? undefined : reject(err)));
      r.on('response', (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${engine} /events: HTTP ${res.statusCode}`));
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          if (buf.length > 4 * 1024 * 1024) {
            errors.push(`${engine} /events: a line over 4 MiB`);
            r.destroy();
          }
          for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) onEvent(line);
          }
        });
        res.once('close', () => {
          if (stopped) return;
          console.info(`multi-process: ${engine} /events ended; reading again from ${since}`);
          if (++reopened > 20) errors.push(`${engine} /events: the stream ended 20 times`);
          else open(`&since=${since}`).catch((err: Error) => errors.push(`${engine} /events: ${err.message}`));
        });
      });
      r.end();
    });
  await open('');
  return () => {
    stopped = true;
    req?.destroy();
  };
}

let db: { url: string; drop: () => Promise<void> } | undefined;
let client: pg.Client | undefined;
const children: BuilderProcess[] = [];
const stops: Array<() => void> = [];
let swept = false;

/** The start-up sweep of a later builder on the same engines: removes what gone processes left. */
async function sweep(): Promise<NonNullable<Awaited<ReturnType<ImageBuilder['ready']>>['sweep']>> {
  const runners = harnessRunners(env);
  const b = new ImageBuilder({ runners, cleanupOnStart: true, handleSignals: false });
  try {
    return (await b.ready()).sweep!;
  } finally {
    await b.close();
    for (const r of runners) await r.close();
  }
}

afterAll(async () => {
  // a failed run: survivors close their jobs on SIGTERM; then the sweep a next builder would do
  for (const c of children) if (c.alive) c.proc.kill('SIGTERM');
  await Promise.race([Promise.all(children.map((c) => c.exited)), sleep(30_000)]);
  for (const c of children) if (c.alive) c.proc.kill('SIGKILL');
  for (const stop of stops) stop();
  if (!swept && children.length > 0) await sweep().catch(() => undefined);
  await client?.end();
  await db?.drop();
  dirs.removeAll();
}, 120_000);

describe('three builder processes on one PostgreSQL, one SIGKILLed mid-run (real podman and dockerd)', () => {
  it('every job ends once, the lost ones fail, watchers and logs are whole everywhere, nothing is left', async () => {
    const run = `mp${Date.now().toString(36)}`;
    const names = Array.from({ length: BUILDS }, (_, i) => `${run}-${i}`);
    const jobKeys = names.flatMap((n) => [`ImageBuild/${n}`, `ImageExport/${n}-qcow2`]);
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const sockets = { podman: env.podmanSocket, docker: env.dockerSocket }; // tcp and ssh reach this dockerd
    const before = new Map<string, { volumes: Set<string>; images: Set<string> }>();
    for (const socket of Object.values(sockets))
      before.set(socket, { volumes: await volumeNames(socket), images: await allImageIds(socket) });
    const creates: ContainerCreate[] = [];
    const recordErrors: string[] = [];
    for (const [engine, socket] of Object.entries(sockets))
      stops.push(await recordContainerCreates(engine, socket, creates, recordErrors));

    // three processes; each follows two builds and their exports live from their creation
    const dir = dirs.make('ib-multi-process-');
    const key = randomBytes(16).toString('hex');
    const follow = [names[0], names[15]].flatMap((n) => [n, `${n}-qcow2`]).join(',');
    for (let p = 0; p < 3; p++)
      children.push(new BuilderProcess(`p${p}`, [db.url, join(dir, `logs-p${p}`), key, follow]));
    await Promise.all(children.map((c) => c.ready));
    const pids = children.map((c) => c.proc.pid!);

    // a Repository, then 30 builds and 30 exports spread over the three processes
    await children[0]!.call({ type: 'create', resource: harnessRepositories(env).plain }); // registry A, read-write
    const t0 = Date.now();
    await Promise.all(
      // lane p: builds i ≡ p (mod 3) through process p, each then its export through the next process
      children.map(async (c, p) => {
        for (let i = p; i < BUILDS; i += 3) {
          const name = names[i]!;
          const build = imageBuild({
            name,
            binding: 'late',
            destination: 'plain',
            imageName: `tests/multi-process/${name}`,
            tag: run,
          });
          await c.call({ type: 'create', resource: build });
          await children[(p + 1) % 3]!.call({ type: 'create', resource: imageExport(`${name}-qcow2`, name, 'qcow2') });
        }
      }),
    );

    // the kill: once a random number (4–40 of 60) of jobs started, a random process among those running one
    const threshold = 4 + randomInt(37);
    let victim: BuilderProcess | undefined;
    for (const until = Date.now() + 240_000; !victim; await sleep(200)) {
      if (Date.now() > until) throw new Error(`never ${threshold} jobs started with one running`);
      const rows = [...(await readJobs(client)).values()];
      if (rows.filter((r) => r.reason !== 'Pending').length < threshold) continue;
      const busy = (c: BuilderProcess, rs: JobRow[]): boolean =>
        rs.some((r) => ACTIVE.has(r.reason) && pidOf(r.uid) === c.proc.pid);
      const candidates = children.filter((c) => busy(c, rows));
      const pick = candidates[randomInt(Math.max(1, candidates.length))];
      if (!pick) continue;
      await sleep(randomInt(1500));
      if (busy(pick, [...(await readJobs(client)).values()])) victim = pick;
    }
    victim.proc.kill('SIGKILL');
    const killAt = Date.now();
    await victim.exited;
    const survivors = children.filter((c) => c !== victim);
    await sleep(1000); // statements the victim had in flight have landed; its leases live on ≥ 3 s
    const atKill = await readJobs(client);
    expect(
      [...atKill.values()].some((r) => !isTerminal(r.reason)),
      'killed once every job had ended',
    ).toBe(true);

    // every job ends; when each was first seen terminal
    const endedAt = new Map<string, number>();
    let final = atKill;
    for (const until = t0 + 360_000; endedAt.size < jobKeys.length; await sleep(250)) {
      final = await readJobs(client);
      for (const [k, r] of final) if (isTerminal(r.reason) && !endedAt.has(k)) endedAt.set(k, Date.now());
      if (Date.now() > until)
        throw new Error(`not settled: ${JSON.stringify([...final.values()].filter((r) => !isTerminal(r.reason)))}`);
    }
    const history = await readHistory(client);
    const logs = await Promise.all(
      survivors.map((c) =>
        c.call<Record<string, ReadLog>>({
          type: 'logs',
          jobs: jobKeys.map((k) => ({ kind: k.split('/')[0] as JobKind, name: k.split('/')[1]! })),
        }),
      ),
    );
    // each survivor closes, then reports its watch events (sent before its answer to close)
    const reports = await Promise.all(survivors.map((c) => c.call({ type: 'close' }).then(() => c.report)));
    await Promise.all(survivors.map((c) => c.exited));
    for (const stop of stops.splice(0)) stop();
    // the victim's engine work has stopped, then a later builder's start-up sweep
    await Promise.all(Object.values(sockets).map((s) => engineSettled(s, victim.proc.pid!)));
    const sweepReport = await sweep();
    swept = true;
    const lost = [...atKill.values()].filter((r) => ACTIVE.has(r.reason) && pidOf(r.uid) === victim.proc.pid);
    const lostKeys = new Set(lost.map((r) => `${r.kind}/${r.name}`));
    const ended = Math.max(...endedAt.values()) - t0;
    const engines = new Map<string, Set<string>>(); // job id → engines it created containers on
    for (const c of creates) engines.set(c.jobId, (engines.get(c.jobId) ?? new Set()).add(c.engine));
    console.info(
      `multi-process: killed ${victim.label} ${killAt - t0} ms after the first create (${threshold} jobs started) ` +
        `while it ran ${lost.map((r) => `${r.kind}/${r.name} (${r.reason} on ${r.runner})`).join(', ')}; ` +
        `lost ones ended ${lost.map((r) => endedAt.get(`${r.kind}/${r.name}`)! - killAt).join(', ')} ms after the kill; ` +
        `all ended ${ended} ms after the first create; ${engines.size} job ids created ${creates.length} containers; ` +
        `the sweep removed ${sweepReport.runners.map((r) => `${r.report?.removed.length ?? 0} on ${r.runner}`).join(', ')}`,
    );
    /** Where a job ran, when it ended and how its log ends: for the failure messages. */
    const why = (k: string): string => {
      const r = final.get(k)!;
      const tail = logs[0]?.[k]?.lines.slice(-8).join('\n  ');
      return `${k} on ${r.runner} (${r.uid}), ${r.reason} ${endedAt.get(k)! - killAt} ms after the kill: ${r.message}\n  ${tail}`;
    };

    // 1. terminal states: the victim's running jobs failed (lost) within leaseMs + 10 s; the others completed
    expect([...final.keys()].sort()).toEqual([...jobKeys].sort());
    expect(lost.length, 'the victim ran no job at the kill').toBeGreaterThan(0);
    const states: string[] = [];
    for (const r of lost) {
      const k = `${r.kind}/${r.name}`;
      const now = final.get(k)!;
      if (now.reason !== 'Failed' || !now.message.includes(LOST) || now.uid !== r.uid)
        states.push(`${r.reason} in the killed process, now: ${why(k)}`);
      if (endedAt.get(k)! - killAt > LEASE_MS + 10_000) states.push(`ended late: ${why(k)}`);
    }
    for (const [k, r] of atKill) {
      const now = final.get(k)!;
      if (isTerminal(r.reason) && (now.reason !== r.reason || now.uid !== r.uid))
        states.push(`changed after it ended: ${why(k)}`);
      // claimed by the victim but not started: ran in a survivor
      if (
        r.reason === 'Pending' &&
        pidOf(r.holder) === victim.proc.pid &&
        pidOf(now.uid) === victim.proc.pid &&
        now.reason === 'Completed'
      )
        states.push(`claimed by the victim before the kill, completed by it: ${why(k)}`);
    }
    for (const n of names) {
      const [bk, ek] = [`ImageBuild/${n}`, `ImageExport/${n}-qcow2`];
      const build = final.get(bk)!;
      const exp = final.get(ek)!;
      if (!lostKeys.has(bk) && build.reason !== 'Completed') states.push(why(bk));
      if (build.reason === 'Failed') {
        if (!exp.message.includes(`source ImageBuild "${n}" failed; this export cannot run`)) states.push(why(ek));
      } else if (!lostKeys.has(ek) && exp.reason !== 'Completed') states.push(why(ek));
    }
    expect.soft(states, 'terminal states').toEqual([]);

    // 2. no job ran twice: every job id the engines saw is one job's final id, on one engine; one start per log
    expect.soft(recordErrors).toEqual([]);
    const owner = new Map([...final.values()].map((r) => [r.uid, r] as const));
    const twice: string[] = [];
    for (const [id, on] of engines) {
      const job = owner.get(id);
      const runnerEngine = job?.runner === 'podman' ? 'podman' : 'docker';
      if (!job || on.size > 1 || !on.has(runnerEngine))
        twice.push(
          `${id} on ${[...on].join('+')}: ${job ? `${job.kind}/${job.name} ran on ${job.runner}` : 'no job has this id'}`,
        );
    }
    for (const r of final.values()) {
      if (r.kind === 'ImageExport' && r.reason === 'Completed' && !engines.has(r.uid!))
        twice.push(`no converter container of ${r.name} (${r.uid}) was seen`);
      const starts = (logs[0]?.[`${r.kind}/${r.name}`]?.lines ?? []).filter((l) => STARTED.test(l));
      if (starts.length > 1)
        twice.push(`${r.kind}/${r.name} started ${starts.length} times:\n  ${starts.join('\n  ')}`);
      if (r.reason === 'Completed' && (starts.length !== 1 || !starts[0]!.includes(`started on runner ${r.runner} `)))
        twice.push(`${r.kind}/${r.name} completed on ${r.runner}; its log's starts: ${starts.join(' | ')}`);
    }
    expect.soft(twice, 'jobs that ran twice (or not where they say)').toEqual([]);

    // 3. each survivor's watcher saw every transition of every job, in order, as the database recorded them
    const watched: string[] = [];
    for (const [i, report] of reports.entries()) {
      const who = survivors[i]!.label;
      if (report.watchError) watched.push(`${who}: ${report.watchError}`);
      const byJob = new Map<string, SeenEvent[]>();
      for (const e of report.events)
        if (e.kind !== 'Repository') byJob.set(`${e.kind}/${e.name}`, [...(byJob.get(`${e.kind}/${e.name}`) ?? []), e]);
      for (const k of jobKeys) {
        const seen = byJob.get(k) ?? [];
        const truth = history.get(k) ?? [];
        const said = `${who} ${k} saw ${seen.map((e) => `${e.type} ${e.from ?? ''}→${e.phase}@${e.rv}`).join(', ')}`;
        let at = 'Pending';
        const ok =
          seen[0]?.type === 'created' &&
          seen[0].phase === 'Pending' &&
          seen[0].rv === 1 &&
          seen.every((e, j) => {
            if (truth.find((t) => t.rv === e.rv)?.reason !== e.phase) return false;
            if (j === 0) return true;
            const legal = e.type === 'phase' && e.rv! > seen[j - 1]!.rv! && e.from === at;
            const moved = e.phase !== at;
            at = e.phase!;
            return legal && (!moved || canTransition(e.kind as JobKind, e.from!, e.phase!));
          }) &&
          at === final.get(k)!.reason &&
          fold(seen.map((e) => e.phase!)).join() === fold(truth.map((t) => t.reason)).join();
        if (!ok) watched.push(`${said}; the database has ${truth.map((t) => `${t.reason}@${t.rv}`).join(', ')}`);
      }
    }
    expect.soft(watched, 'watch events').toEqual([]);

    // 4. every log is whole from both survivors (also when followed live)
    const whole: string[] = [];
    for (const k of jobKeys) {
      const r = final.get(k)!;
      const [a, b] = logs.map((l) => l[k]!);
      const last = a?.lines.at(-1) ?? '';
      const end = r.reason === 'Completed' ? `[builder] ${r.kind} ${r.name} completed` : r.message;
      if (a?.error || b?.error) whole.push(`${k}: ${a?.error ?? ''} ${b?.error ?? ''}`);
      if (JSON.stringify(a?.lines) !== JSON.stringify(b?.lines))
        whole.push(
          `${k}: ${survivors[0]!.label} read ${a?.lines.length} lines, ${survivors[1]!.label} ${b?.lines.length}`,
        );
      if (!last.startsWith('[builder] ') || !last.endsWith(end)) whole.push(`${k} (${r.reason}) ends with: ${last}`);
      for (const [i, report] of reports.entries()) {
        const live = report.followed[k];
        if (live && JSON.stringify(live) !== JSON.stringify(a))
          whole.push(
            `${k} followed live by ${survivors[i]!.label}: ${live.lines.length} lines (${live.error}), read after: ${a?.lines.length}`,
          );
      }
    }
    for (const report of reports)
      if (Object.keys(report.followed).length !== 4) whole.push('a survivor followed no 4 logs');
    expect.soft(whole, 'logs').toEqual([]);

    // 5. nothing left: the sweep went through, and no container, image, volume or folder of any process
    for (const r of sweepReport.runners) {
      expect.soft(r.error, r.runner).toBeUndefined();
      expect.soft(r.report?.failed ?? [], r.runner).toEqual([]);
    }
    for (const [engine, socket] of Object.entries(sockets)) {
      const { volumes, images } = before.get(socket)!;
      for (const [p, pid] of pids.entries())
        expect
          .soft(await leftovers(socket, pid, run, volumes, undefined, p === 0 ? images : undefined), `${engine}, p${p}`)
          .toEqual([]);
    }
  }, 540_000);
});
