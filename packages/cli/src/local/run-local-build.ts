import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ImageBuilder, WatchEvent } from '@imagebuild/builder';
import type { ImageExport } from '@imagebuild/core';
import { getReadyReason } from '@imagebuild/core/lifecycle';
import { validateImageBuildAgainstRepositories } from '@imagebuild/core/resources';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import { readDocuments } from '../internal/documents.js';
import { CliError, EXIT, describeError, usage } from '../exit.js';
import type { Io } from '../io.js';
import { onStopSignal } from '../internal/signals.js';
import { jsonDisplay, plainDisplay, ttyDisplay, type Display } from './display.js';
import { openLocalBuilder, type LocalBuilder, type LocalOptions } from './open-builder.js';
import { downloadFileName, planBuild, type BuildPlan } from './plan.js';

export interface LocalBuildOptions extends LocalOptions {
  filename?: string[] | undefined;
  export?: string[] | undefined;
  download?: string | undefined;
  force?: boolean | undefined;
  output?: string | undefined;
  recursive?: boolean | undefined;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);
type JobKey = `${'ImageBuild' | 'ImageExport'}/${string}`;

/** `imagebuild build`: validate → create → follow phases → download → exit status. */
export async function runLocalBuild(options: LocalBuildOptions, io: Io): Promise<number> {
  const json = options.output === 'json';
  if (options.output !== undefined && options.output !== 'json' && options.output !== 'text')
    throw usage(`-o ${options.output}: unknown output format`, 'use -o json (one event per line) or leave it out');
  const plan = planBuild(
    readDocuments(options.filename ?? [], { recursive: options.recursive === true, stdin: io.stdin }),
    options.export ?? [],
  );
  const files = downloadTargets(plan.exports, options.download);
  if (files && !options.force)
    for (const f of files.values())
      if (existsSync(f))
        throw usage(`${f} already exists`, 'remove it, choose another --download DIR, or pass --force');

  const display: Display = json
    ? jsonDisplay(io.out)
    : io.isTTY && io.stdout
      ? ttyDisplay(io.stdout)
      : plainDisplay(io.out);
  const jobs = new Map<JobKey, string>(); // → phase
  const created: string[] = [];
  let interrupted = false;
  let local: LocalBuilder | undefined;
  const downloadsAbort = new AbortController();
  const downloads: Promise<boolean>[] = [];
  const partials = new Set<string>();

  const onSignal = (): void => {
    if (!interrupted) {
      interrupted = true;
      display.info('interrupted: canceling the jobs in flight (press Ctrl-C again to exit at once)');
      downloadsAbort.abort(new Error('interrupted'));
      if (local) void cancelAll(local.builder, jobs);
      return;
    }
    display.stop();
    const left = [
      ...(created.length > 0
        ? [
            `containers and images labelled ${RUNNER_JOB_LABEL} of ${created.join(', ')} on ${local?.runners.map((r) => r.name).join(', ')}` +
              ` (the next \`imagebuild build\` or \`serve\` on ${local?.state.dir} removes them)`,
          ]
        : []),
      ...[...partials].map((p) => `${p}.partial`),
      ...(local ? [`the lock ${join(local.state.dir, 'lock')} (removed by the next run)`] : []),
    ];
    io.err(`interrupted again: exiting now.${left.length ? ` May be left behind:\n  ${left.join('\n  ')}\n` : '\n'}`);
    process.exit(EXIT.INTERRUPTED);
  };
  // The first stop signal cancels everything in flight, the second exits at once.
  const unsubscribe = onStopSignal(onSignal);
  try {
    local = await openLocalBuilder(options);
    if (interrupted) return EXIT.INTERRUPTED;
    const builder = local.builder;
    await checkAgainstState(builder, plan);
    const watch = builder.watch();
    const allDone = follow(watch, jobs, display, (e) => {
      if (!files || interrupted) return;
      const file = files.get(e.metadata.name as string) as string;
      partials.add(file);
      downloads.push(download(builder, e.metadata.name as string, file, display, downloadsAbort.signal));
    });
    for (const r of plan.repositories) {
      if (interrupted) break;
      await builder.apply(r);
    }
    for (const r of [...plan.builds, ...plan.exports]) {
      if (interrupted) break;
      jobs.set(`${r.kind}/${r.metadata.name as string}`, 'Pending');
      await builder.create(r);
      created.push(`${r.kind} ${r.metadata.name as string}`);
    }
    if (interrupted) await cancelAll(builder, jobs);
    await allDone.wait();
    await watch.return?.(undefined);
    const downloaded = await Promise.all(downloads);
    display.stop();
    let failed = false;
    for (const [key, phase] of jobs) {
      if (phase === 'Completed') continue;
      failed = true;
      const [kind, name] = key.split('/') as ['ImageBuild' | 'ImageExport', string];
      if (phase === 'Failed' && !json) await printLogTail(builder, kind, name, io);
    }
    if (downloaded.includes(false)) failed = true;
    if (interrupted) {
      for (const p of partials) rmSync(`${p}.partial`, { force: true });
      for (const p of partials) if (!existsSync(p)) partials.delete(p);
    }
    const code = interrupted ? EXIT.INTERRUPTED : failed ? EXIT.FAILED : EXIT.OK;
    display.event({ type: 'result', exitCode: code, jobs: Object.fromEntries(jobs), files: [...partials] });
    return code;
  } finally {
    display.stop();
    // best-effort close on the way out; the build's own outcome is what is reported
    await local?.close().catch(() => undefined);
    unsubscribe();
    if (interrupted && !json) io.err('interrupted: every job was canceled and cleaned up\n');
  }
}

function downloadTargets(exports: readonly ImageExport[], dir: string | undefined): Map<string, string> | undefined {
  if (dir === undefined) return undefined;
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const byFile = new Map<string, number>();
  for (const e of exports) byFile.set(downloadFileName(e), (byFile.get(downloadFileName(e)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const e of exports) {
    const base = downloadFileName(e);
    // Two exports of one build with one extension (qcow2, qcow2-disk-container) get the export's name.
    const name =
      (byFile.get(base) ?? 0) > 1 ? `${e.metadata.name}${base.slice(e.spec.source.imageBuildRef.length)}` : base;
    out.set(e.metadata.name as string, join(abs, name));
  }
  return out;
}

async function checkAgainstState(builder: ImageBuilder, plan: BuildPlan): Promise<void> {
  const stored = (await builder.list('Repository', { limit: 1000 })).items;
  const repos = new Map(stored.map((r) => [r.metadata.name as string, r]));
  for (const r of plan.repositories) repos.set(r.metadata.name as string, r);
  const problems: string[] = [];
  for (const b of plan.builds)
    for (const i of validateImageBuildAgainstRepositories(b, repos))
      problems.push(`ImageBuild ${b.metadata.name}: ${i.path}: ${i.message}`);
  for (const r of [...plan.builds, ...plan.exports]) {
    const exists = await builder.get(r.kind, r.metadata.name as string).then(
      () => true,
      () => false,
    );
    if (exists) problems.push(`${r.kind} ${r.metadata.name}: already exists in the state directory`);
  }
  if (problems.length > 0)
    throw usage(
      `the input does not fit the state:\n  ${problems.join('\n  ')}`,
      'give the Repositories with -f, rename the resources, or delete the old ones (`imagebuild delete ib NAME --local`)',
    );
}

function follow(
  watch: AsyncIterableIterator<WatchEvent>,
  jobs: Map<JobKey, string>,
  display: Display,
  onExportCompleted: (e: ImageExport) => void,
): { wait(): Promise<void> } {
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  let armed = false; // only once every job is created: a fast build must not end the wait before its exports exist
  const check = (): void => {
    if (armed && [...jobs.values()].every((p) => TERMINAL.has(p))) resolveDone();
  };
  const loop = (async () => {
    for await (const ev of watch) {
      if (ev.type === 'deleted' || ev.kind === 'Repository') continue;
      const key: JobKey = `${ev.kind}/${ev.name}`;
      if (!jobs.has(key)) continue;
      const phase = ev.phase ?? getReadyReason(ev.object) ?? 'Pending';
      if (jobs.get(key) === phase && ev.type === 'created') continue;
      jobs.set(key, phase);
      display.phase(ev.kind, ev.name, phase, ev.type === 'phase' ? ev.message : undefined);
      if (ev.kind === 'ImageExport' && phase === 'Completed') onExportCompleted(ev.object as ImageExport);
      check();
    }
  })();
  loop.catch(() => resolveDone());
  return {
    wait: async () => {
      armed = true;
      check();
      await done;
    },
  };
}

async function download(
  builder: ImageBuilder,
  name: string,
  file: string,
  display: Display,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const r = await builder.download(name, file, {
      signal,
      onProgress: (p) => display.download(name, p.bytesDone, p.bytesTotal),
    });
    display.downloaded(name, r.file, r.size, r.digest);
    return true;
  } catch (err) {
    if (signal.aborted) return false;
    display.info(`download ${name} failed: ${describeError(err).message}`);
    return false;
  }
}

async function cancelAll(builder: ImageBuilder, jobs: Map<JobKey, string>): Promise<void> {
  const active = [...jobs].filter(([, phase]) => !TERMINAL.has(phase));
  // Exports first: a canceled build fails its waiting exports anyway, but running ones need their own cancel.
  active.sort(([a], [b]) => (a.startsWith('ImageExport') ? 0 : 1) - (b.startsWith('ImageExport') ? 0 : 1));
  for (const [key] of active) {
    const [kind, name] = key.split('/') as ['ImageBuild' | 'ImageExport', string];
    // interrupted: a job already finished cannot be cancelled, which is fine
    await builder.cancel(kind, name).catch(() => undefined);
  }
}

async function printLogTail(
  builder: ImageBuilder,
  kind: 'ImageBuild' | 'ImageExport',
  name: string,
  io: Io,
): Promise<void> {
  const tail: string[] = [];
  try {
    for await (const line of builder.logs(kind, name)) {
      tail.push(line);
      if (tail.length > 15) tail.shift();
    }
  } catch {
    // nothing to remove
    return;
  }
  const reason = await builder.get(kind, name).then(
    (o) => o.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    () => '',
  );
  io.err(`${kind} ${name} failed${reason ? `: ${reason}` : ''}\n${tail.map((l) => `  | ${l}`).join('\n')}\n`);
}

export { CliError };
