import type { ImageBuild, ImageExport, Repository, Runner } from '@imagebuild/core';
import type { ImageBuilderOptions } from '../options.js';
import type { BuilderContext } from './context.js';
import { setPhase } from './writes.js';

/** A job's runner operation, as the job loop drives it. */
export interface JobRun {
  /** Stops the runner's work (it removes what it made). */
  abort(reason: Error): void;
  /** Resolves the job's Completed message and status fields once the runner has finished. */
  completed(): Promise<{ message: string; patch: (object: ImageBuild | ImageExport) => void }>;
}

/** What the job loop gives the runner operation. */
export interface RunHooks {
  /** One line of the runner's output. */
  log(line: string): void;
  /** The runner made progress (the staleness timer restarts). */
  touch(): void;
  /** Queues a status write after the previous ones (the job goes on if it fails). */
  write(fn: () => Promise<unknown>): void;
}

/** The job failed for a reason the builder states itself (not a runner error). */
export class JobFailure extends Error {}

const DONE_MSG = { ImageBuild: 'Build completed successfully', ImageExport: 'Export completed successfully' } as const;

/** Looks up repositories by name with their passwords unsealed; a missing or unusable one fails the job. */
async function repositories(ctx: BuilderContext, names: readonly string[]): Promise<Repository[]> {
  const out: Repository[] = [];
  const unique = [...new Set(names)];
  // read together: a shared store sends them in one statement
  const recs = await Promise.all(unique.map((name) => ctx.store.get('Repository', name)));
  for (const [i, name] of unique.entries()) {
    const rec = recs[i];
    if (!rec) throw new JobFailure(`Repository "${name}" not found`);
    const { repo, ok } = ctx.sealer.unseal(rec.object);
    if (!ok) {
      throw new JobFailure(
        `the credentials of Repository "${name}" were sealed by an earlier process without a persistent credentialKey; re-apply the Repository`,
      );
    }
    out.push(repo);
  }
  return out;
}

/** Starts the runner operation of a claimed job: a build or an export, by the object's kind. */
export function startJob(
  ctx: BuilderContext,
  options: ImageBuilderOptions,
  runner: Runner,
  object: ImageBuild | ImageExport,
  uid: string,
  hooks: RunHooks,
): Promise<JobRun> {
  return object.kind === 'ImageBuild'
    ? startBuild(ctx, options, runner, object, uid, hooks)
    : startExport(ctx, options, runner, object, uid, hooks);
}

async function startBuild(
  ctx: BuilderContext,
  options: ImageBuilderOptions,
  runner: Runner,
  ib: ImageBuild,
  uid: string,
  hooks: RunHooks,
): Promise<JobRun> {
  const name = ib.metadata.name;
  const repos = await repositories(ctx, [ib.spec.source.repository, ib.spec.destination.repository]);
  const op = runner.build(ib, repos, {
    ...options.buildOptions,
    jobId: uid,
    enrollmentConfig: options.enrollmentConfig,
  });
  op.on('phase', (p) => {
    hooks.touch();
    if (p === 'Pushing')
      hooks.write(() =>
        setPhase(ctx, 'ImageBuild', name, 'Pushing', 'Pushing image to destination registry', {
          from: ['Building'],
          uid,
        }),
      );
    if (p === 'GeneratingSBOM')
      hooks.write(() =>
        setPhase(ctx, 'ImageBuild', name, 'GeneratingSBOM', 'Generating SBOM', { from: ['Building', 'Pushing'], uid }),
      );
  });
  op.on('log', hooks.log);
  op.on('progress', hooks.touch);
  return {
    abort: (reason) => op.abort(reason),
    completed: async () => {
      const r = await op.done();
      const arch = r.platform?.split('/')[1];
      return {
        // a failed SBOM step is said in the message; the build still completes (upstream's rule)
        message: r.sbomError ? `${DONE_MSG.ImageBuild}; SBOM not generated: ${r.sbomError}` : DONE_MSG.ImageBuild,
        patch: (o) => {
          o.status = {
            ...o.status,
            imageReference: r.reference,
            manifestDigest: r.manifestDigest,
            ...(arch ? { architecture: arch } : {}),
          };
        },
      };
    },
  };
}

async function startExport(
  ctx: BuilderContext,
  options: ImageBuilderOptions,
  runner: Runner,
  ie: ImageExport,
  uid: string,
  hooks: RunHooks,
): Promise<JobRun> {
  const name = ie.metadata.name;
  const buildRec = await ctx.store.get('ImageBuild', ie.spec.source.imageBuildRef);
  if (!buildRec) throw new JobFailure(`source ImageBuild "${ie.spec.source.imageBuildRef}" not found`);
  const ib = buildRec.object;
  const repos = await repositories(ctx, [ib.spec.destination.repository, ib.spec.source.repository]);
  const op = runner.export(ie, ib, repos, { ...options.exportOptions, jobId: uid });
  op.on('phase', (p) => {
    hooks.touch();
    if (p === 'Pushing')
      hooks.write(() =>
        setPhase(ctx, 'ImageExport', name, 'Pushing', 'Pushing artifact to destination registry', {
          from: ['Converting'],
          uid,
        }),
      );
  });
  op.on('log', hooks.log);
  op.on('progress', hooks.touch);
  return {
    abort: (reason) => op.abort(reason),
    completed: async () => {
      const r = await op.done();
      return {
        message: DONE_MSG.ImageExport,
        patch: (o) => {
          o.status = { ...o.status, manifestDigest: r.manifestDigest };
        },
      };
    },
  };
}
