import { randomUUID } from 'node:crypto';
import {
  BuildError,
  EngineError,
  RUNNER_JOB_LABEL,
  createBuildContext,
  findRepository,
  redactText,
  throwIfAborted,
  type BuildEvents,
  type BuildResult,
  type ImageBuild,
  type OperationContext,
  type RepositoryLookup,
  type RunnerBuildOptions,
} from '@imagebuild/core';
import { registryConfigHeader } from '../auth/registry-auth.js';
import { imageIds, listJobResources, removeImage } from '../cleanup/job-resources.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { EngineDialect } from '../dialect.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';
import { LineSplitter } from '../stream/line-splitter.js';
import { LogTail } from '../stream/log-tail.js';
import { BuildOutput } from './build-output.js';
import { BuildkitTrace } from './buildkit-trace.js';
import { pushImage } from './push-image.js';

export interface BuildDeps {
  conn: EngineConnection;
  dialect: EngineDialect;
  registries: RegistryAccessFactory;
}

/** Cleanup after a failed build must not hang on a dead engine. */
const CLEANUP_TIMEOUT_MS = 4000;

/**
 * The shared build flow: context from core → dialect build (logs, steps, in-band errors) → push
 * with the destination's credentials → digests read back from the registry. Everything the build
 * created is removed when it fails or is aborted (and the local image after a push unless kept).
 */
export async function runBuild(
  deps: BuildDeps,
  imageBuild: ImageBuild,
  repositories: RepositoryLookup,
  options: RunnerBuildOptions,
  ctx: OperationContext<BuildEvents>,
): Promise<BuildResult> {
  const { conn, dialect } = deps;
  const context = createBuildContext(imageBuild, repositories, { ...options.context, enrollment: options.enrollmentConfig });
  const sourceRepo = findRepository(repositories, imageBuild.spec.source.repository)!;
  const destRepo = findRepository(repositories, imageBuild.spec.destination.repository)!;
  const jobId = options.jobId ?? randomUUID();
  const platform = options.platform ?? conn.info.platform;
  const tail = new LogTail(30);
  const log = (line: string): void => {
    const clean = redactText(line);
    tail.add(clean);
    ctx.emit('log', clean);
  };

  const before = await imageIds(conn, ctx.signal);
  const output = new BuildOutput();
  let succeeded = false;
  try {
    ctx.emit('phase', 'Building');
    const stream = await dialect.startBuild(conn, {
      context: context.tar(),
      containerfile: 'Containerfile',
      tag: context.destinationImage,
      buildArgs: context.buildArgs,
      labels: { [RUNNER_JOB_LABEL]: jobId },
      platform: options.platform,
      noCache: options.noCache ?? false,
      networkMode: options.networkMode,
      isolation: options.isolation,
      builder: options.builder,
      registryConfig: registryConfigHeader([sourceRepo]),
      pullTlsVerify: sourceRepo.spec.scheme !== 'http' && sourceRepo.spec.skipServerVerification !== true,
      signal: ctx.signal,
    });
    const lines = new LineSplitter();
    const trace = new BuildkitTrace();
    const onLine = (line: string): void => {
      if (output.line(line) && output.step) {
        ctx.emit('progress', { phase: 'Building', unit: 'steps', done: output.step.done, total: output.step.total });
      }
      log(line);
    };
    try {
      for await (const msg of jsonMessages(stream)) {
        const error = inBandError(msg);
        if (error) {
          for (const l of lines.flush()) onLine(l);
          throw new BuildError(`build of ${context.destinationImage} failed: ${redactText(error)}`, { logTail: tail.lines });
        }
        output.message(msg);
        if (msg.id === 'moby.buildkit.trace' && typeof msg.aux === 'string') for (const l of trace.lines(msg.aux)) onLine(l);
        else if (typeof msg.stream === 'string') for (const l of lines.push(msg.stream)) onLine(l);
        else if (typeof msg.status === 'string') log(msg.id ? `${msg.id}: ${msg.status}` : msg.status);
      }
    } catch (err) {
      throwIfAborted(ctx.signal);
      if (err instanceof BuildError) throw err;
      throw new EngineError(conn.name, `connection lost during build: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    for (const l of lines.flush()) onLine(l);
    throwIfAborted(ctx.signal);
    if (!output.imageId) throw new BuildError(`build of ${context.destinationImage} ended without an image id`, { logTail: tail.lines });

    ctx.emit('phase', 'Pushing');
    const result = await pushImage(deps, {
      image: context.destinationImage,
      repository: destRepo,
      platform,
      log,
      progress: (p) => ctx.emit('progress', p),
      signal: ctx.signal,
    });
    succeeded = true;
    return result;
  } finally {
    await cleanupBuild(conn, {
      jobId,
      succeeded,
      keepImage: options.keepImage === true,
      tag: context.destinationImage,
      created: [...output.createdIds, ...(output.imageId ? [output.imageId] : [])],
      before,
    });
  }
}

async function cleanupBuild(
  conn: EngineConnection,
  job: { jobId: string; succeeded: boolean; keepImage: boolean; tag: string; created: string[]; before: Set<string> },
): Promise<void> {
  if (job.succeeded && job.keepImage) return;
  const deadline = Date.now() + CLEANUP_TIMEOUT_MS;
  const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
  let engineGone = false;
  /** True when removed (or already gone). */
  const remove = async (ref: string, force: boolean): Promise<boolean> => {
    try {
      await removeImage(conn, ref, force, signal);
      return true;
    } catch (err) {
      if (err instanceof Error && /connection failed/.test(err.message)) engineGone = true;
      return false; // in use by the build's last container (the engine is still stopping it), or the engine is gone
    }
  };
  await remove(job.tag, false);
  // Newest first: children before parents. Ids the engine had before this build are never touched.
  let pending = job.created
    .map((id) => id.replace(/^sha256:/, ''))
    .filter((id) => ![...job.before].some((b) => b.startsWith(id)))
    .reverse();
  // After an abort the engine may still be stopping the step's container, which pins the last
  // layer image for a moment: retry until the deadline.
  for (;;) {
    const labelled = await listJobResources(conn, job.jobId, signal).catch(() => []);
    pending = [...new Set([...pending, ...labelled.filter((x) => x.kind === 'image').map((x) => x.id)])];
    const left: string[] = [];
    for (const id of pending) if (!engineGone && !(await remove(id, true))) left.push(id);
    pending = left;
    if (pending.length === 0 || engineGone || Date.now() + 250 >= deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
