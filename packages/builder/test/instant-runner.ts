// An in-process runner implementing the Runner contract instantly. For unit tests of scheduling
// logic and for the benchmark ONLY — the end-to-end proof uses runner-podman/runner-docker.
import {
  AbortError,
  Operation,
  type ImageBuild,
  type ImageExport,
  type Repository,
  type Runner,
} from '@imagebuild/core';
import { BuildError, EngineError } from '@imagebuild/core/errors';
import type {
  BuildEvents,
  BuildOperation,
  BuildResult,
  CleanupReport,
  EngineInfo,
  ExportEvents,
  ExportOperation,
  ExportResult,
  RunnerBuildOptions,
  RunnerExportOptions,
  RunnerResource,
} from '@imagebuild/core/runner';

export type Behaviour = 'ok' | 'fail' | 'hang' | 'silent' | 'slow';

export interface InstantRunnerOptions {
  name?: string;
  engine?: 'docker' | 'podman';
  /** Per job name; default 'ok'. 'hang' logs every 5 ms until aborted; 'silent' waits without output. */
  behaviour?: (kind: 'build' | 'export', name: string) => Behaviour;
  /** Lines logged per phase. Default 2. */
  lines?: number;
  /** Makes ping fail while true. */
  down?: () => boolean;
  /** The error a failing ping throws (default an `EngineError` "engine is down"). */
  downError?: () => Error;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AbortError());
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class InstantRunner implements Runner {
  readonly name: string;
  readonly engine: 'docker' | 'podman';
  readonly calls: Array<{
    kind: 'build' | 'export';
    name: string;
    jobId: string | undefined;
    repositories: Repository[];
  }> = [];
  readonly resources = new Map<string, RunnerResource>();
  running = 0;
  maxRunning = 0;
  /** Each prepareExport call: its converter image and the builds running then. */
  readonly prepared: Array<{ converterImage: string | undefined; running: string[] }> = [];
  readonly #runningBuilds = new Set<string>();
  /** Called on each phase with performance.now() (event-latency measurement). */
  onPhase: ((name: string, phase: string, at: number) => void) | undefined;

  constructor(readonly opts: InstantRunnerOptions = {}) {
    this.name = opts.name ?? 'instant';
    this.engine = opts.engine ?? 'podman';
  }

  async ping(): Promise<EngineInfo> {
    if (this.opts.down?.()) throw this.opts.downError?.() ?? new EngineError(this.name, 'engine is down');
    return {
      kind: this.engine,
      version: '0',
      apiVersion: '1.41',
      libpodApiVersion: undefined,
      platform: 'linux/amd64',
      endpoint: 'memory://',
    };
  }

  #behaviour(kind: 'build' | 'export', name: string): Behaviour {
    return this.opts.behaviour?.(kind, name) ?? 'ok';
  }

  async #run(
    kind: 'build' | 'export',
    name: string,
    jobId: string | undefined,
    phases: [string, string],
    ctx: { signal: AbortSignal; emit: (e: 'phase' | 'log', arg: string) => void },
  ): Promise<void> {
    const b = this.#behaviour(kind, name);
    const id = `${jobId}`;
    this.resources.set(id, { kind: 'container', id: `c-${id}`, jobId: id });
    if (kind === 'build') this.#runningBuilds.add(name);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      for (const phase of phases) {
        this.onPhase?.(name, phase, performance.now());
        ctx.emit('phase', phase);
        for (let i = 0; i < (this.opts.lines ?? 2); i++) ctx.emit('log', `${phase} ${name} step ${i + 1}`);
        if (b === 'slow') await sleep(30, ctx.signal);
      }
      if (b === 'hang')
        for (;;) {
          await sleep(5, ctx.signal);
          ctx.emit('log', `still working on ${name}`);
        }
      if (b === 'silent') await sleep(1e9, ctx.signal);
      if (b === 'fail') throw new BuildError(`${kind} of ${name} failed: exit status 1`);
      this.onPhase?.(name, 'Completed', performance.now());
    } finally {
      this.#runningBuilds.delete(name);
      this.running--;
      this.resources.delete(id);
    }
  }

  async prepareExport(options: Pick<RunnerExportOptions, 'converterImage'> = {}): Promise<void> {
    this.prepared.push({ converterImage: options.converterImage, running: [...this.#runningBuilds] });
  }

  build(ib: ImageBuild, repositories: readonly Repository[], options: RunnerBuildOptions = {}): BuildOperation {
    const name = ib.metadata.name;
    this.calls.push({ kind: 'build', name, jobId: options.jobId, repositories: [...repositories] });
    return new Operation<BuildResult, BuildEvents>(async (ctx) => {
      await this.#run('build', name, options.jobId, ['Building', 'Pushing'], ctx as never);
      const d = ib.spec.destination;
      return {
        reference: `localhost:5000/${d.imageName}:${d.imageTag}`,
        manifestDigest: `sha256:${'a'.repeat(64)}`,
        platformManifestDigest: `sha256:${'b'.repeat(64)}`,
        platform: 'linux/amd64',
      };
    });
  }

  export(
    ie: ImageExport,
    _ib: ImageBuild,
    repositories: readonly Repository[],
    options: RunnerExportOptions = {},
  ): ExportOperation {
    const name = ie.metadata.name;
    this.calls.push({ kind: 'export', name, jobId: options.jobId, repositories: [...repositories] });
    return new Operation<ExportResult, ExportEvents>(async (ctx) => {
      await this.#run('export', name, options.jobId, ['Converting', 'Pushing'], ctx as never);
      return {
        manifestDigest: `sha256:${'c'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.qcow2',
        size: 1,
        layerDigest: `sha256:${'d'.repeat(64)}`,
        subject: `localhost:5000/x@sha256:${'b'.repeat(64)}`,
      };
    });
  }

  async listResources(options: { jobId?: string | undefined } = {}): Promise<RunnerResource[]> {
    return [...this.resources.values()].filter((r) => options.jobId === undefined || r.jobId === options.jobId);
  }

  async cleanup(options: { jobId?: string | undefined } = {}): Promise<CleanupReport> {
    const removed = await this.listResources(options);
    for (const r of removed) this.resources.delete(r.jobId);
    return { removed, failed: [] };
  }

  async close(): Promise<void> {}
}
