import { randomUUID } from 'node:crypto';
import type { ImageBuild } from '@imagebuild/core';
import { createBuildContext } from '@imagebuild/core/containerfile';
import { BuildError, EngineError, redactText } from '@imagebuild/core/errors';
import { throwIfAborted, type OperationScope } from '@imagebuild/core/operation';
import { parseImageRef } from '@imagebuild/core/refs';
import { findRepository, type RepositoryLookup } from '@imagebuild/core/resources';
import {
  BUILD_KEY_LABEL,
  RUNNER_JOB_LABEL,
  type BuildEvents,
  type BuildResult,
  type RunnerBuildOptions,
} from '@imagebuild/core/runner';
import { registryConfigHeader, repositoryCaPem, repositoryCredentials } from '../auth/registry-auth.js';
import { activeBuilds } from '../cleanup/active-builds.js';
import { buildCacheIds, pruneNewBuildCache } from '../cleanup/build-cache.js';
import { BuildJournal } from '../cleanup/build-journal.js';
import { containerIds, sweepBuildLeftovers, type BuildTrace } from '../cleanup/build-leftovers.js';
import { imageIds, removeImage } from '../cleanup/job-resources.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { EngineDialect } from '../dialect.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';
import { LineSplitter } from '../stream/line-splitter.js';
import { LogTail } from '../stream/log-tail.js';
import { BuildOutput } from './build-output.js';
import { BuildkitTrace } from './buildkit-trace.js';
import { contextWithLabels } from './label-instruction.js';
import { prepareBuild } from './prepare-build.js';
import { pushImage } from './push-image.js';
import { repositoryLabel } from '../registry/repository-errors.js';
import { sbomEnabled, startSbomStep } from './sbom-step.js';
import { signPushed } from './sign-step.js';

export interface BuildDeps {
  conn: EngineConnection;
  dialect: EngineDialect;
  registries: RegistryAccessFactory;
  /** Per-registry CA directory of a local engine (default: the dialect's; `false`: never write one). */
  certsDir?: string | false | undefined;
}

/**
 * Cleanup after a failed or aborted build waits this long at most for the engine to wind down
 * (and never hangs on a dead engine: calls then fail at once).
 */
const CLEANUP_TIMEOUT_MS = 20_000;

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
  ctx: OperationScope<BuildEvents>,
): Promise<BuildResult> {
  const { conn, dialect } = deps;
  const context = createBuildContext(imageBuild, repositories, {
    ...options.context,
    enrollment: options.enrollmentConfig,
  });
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

  // What exists before the build (the cleanup never touches it) is listed while the build is
  // prepared: nothing is built before both are done, and each is a few engine round trips.
  const listing = Promise.all([imageIds(conn, ctx.signal), containerIds(conn, ctx.signal)]);
  listing.catch(() => undefined); // awaited below unless preparing fails first
  const prepared = await prepareBuild({
    ...deps,
    certsDir: deps.certsDir,
    imageBuild,
    context,
    sourceRepo,
    destRepo,
    platform,
    // keepImage promises a local image, which a reused one is not.
    noReuse: options.noCache ? 'noCache' : options.keepImage ? 'keepImage' : undefined,
    log,
    signal: ctx.signal,
  });
  if (prepared.reused) return prepared.reused;
  const verify = (repo: typeof sourceRepo): boolean => prepared.trust.get(repo.spec.registry)?.tlsVerify ?? true;

  const startedAt = Math.floor(Date.now() / 1000) - 1;
  const [images, containers] = await listing;
  const before = { images, containers };
  const output = new BuildOutput();
  // what this build printed, on disk: a killed process's layers are found by the next sweep
  const journal = BuildJournal.open(jobId, conn.info.endpoint, prepared.source.pinned, startedAt);
  let succeeded = false;
  let cacheBefore: Set<string> | undefined;
  const active = activeBuilds;
  const sourceKey = `${conn.info.endpoint}|${prepared.source.pinned}`;
  active.set(sourceKey, (active.get(sourceKey) ?? 0) + 1);
  try {
    ctx.emit('phase', 'Building');
    const imageLabels = { ...prepared.imageLabels, [BUILD_KEY_LABEL]: prepared.key };
    const jobLabel = { [RUNNER_JOB_LABEL]: jobId };
    // Classic builders (dockerd, podman) make one step per `labels` entry: one instruction instead.
    // podman also puts `labels` on every layer it commits: the job label stays there, so that the
    // layers of a killed build are found by label (its cache ignores labels).
    const jobLabelOnLayers = dialect.kind === 'podman';
    const chosen = dialect.chooseBuilder?.(conn, {
      requested: options.builder,
      sourceCredentials: repositoryCredentials(sourceRepo) !== undefined,
      sourceCa: repositoryCaPem(sourceRepo) !== undefined,
      sourcePlainHttp: sourceRepo.spec.scheme === 'http',
      sourceTlsMode: prepared.trust.get(sourceRepo.spec.registry)?.mode ?? 'verify',
    });
    if (chosen) log(`[imagebuild] builder: ${chosen.builder} (${chosen.why})`);
    const builder = chosen?.builder;
    // unlisted (engine hiccup): nothing is pruned rather than someone else's records
    if (builder === 'buildkit') cacheBefore = await buildCacheIds(conn, ctx.signal).catch(() => undefined);
    const labelled =
      builder !== 'buildkit'
        ? contextWithLabels(
            context,
            jobLabelOnLayers ? imageLabels : { ...imageLabels, ...jobLabel },
            prepared.buildArgs,
          )
        : undefined;
    const stream = await dialect.startBuild(conn, {
      context: labelled?.tar ?? context.tar(),
      containerfile: 'Containerfile',
      tag: context.destinationImage,
      buildArgs: labelled?.buildArgs ?? prepared.buildArgs,
      labels: labelled ? (jobLabelOnLayers ? jobLabel : {}) : { ...imageLabels, ...jobLabel },
      annotations: prepared.imageLabels,
      platform: options.platform,
      noCache: options.noCache ?? false,
      networkMode: options.networkMode,
      isolation: options.isolation,
      builder,
      registryConfig: registryConfigHeader([sourceRepo]),
      pullTlsVerify: verify(sourceRepo),
      signal: ctx.signal,
    });
    const lines = new LineSplitter();
    const trace = new BuildkitTrace();
    const onLine = (line: string): void => {
      if (output.line(line) && output.step) {
        ctx.emit('progress', { phase: 'Building', unit: 'steps', done: output.step.done, total: output.step.total });
      }
      journal?.record(output.createdIds, output.containerIds);
      log(line);
    };
    try {
      for await (const msg of jsonMessages(stream)) {
        const error = inBandError(msg);
        if (error) {
          for (const l of lines.flush()) onLine(l);
          throw new BuildError(
            `build of ${context.destinationImage} on ${conn.name} failed: ${redactText(error).trim()}${registryHint(error, prepared.source.pinned, repositoryLabel(sourceRepo))}`,
            { logTail: tail.lines },
          );
        }
        output.message(msg);
        if (msg.id === 'moby.buildkit.trace' && typeof msg.aux === 'string')
          for (const l of trace.lines(msg.aux)) onLine(l);
        else if (typeof msg.stream === 'string') for (const l of lines.push(msg.stream)) onLine(l);
        else if (typeof msg.status === 'string') log(msg.id ? `${msg.id}: ${msg.status}` : msg.status);
      }
    } catch (err) {
      throwIfAborted(ctx.signal);
      if (err instanceof BuildError) throw err;
      throw new EngineError(
        conn.name,
        `connection lost during build: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
    for (const l of lines.flush()) onLine(l);
    throwIfAborted(ctx.signal);
    if (!output.imageId)
      throw new BuildError(`build of ${context.destinationImage} ended without an image id`, { logTail: tail.lines });

    ctx.emit('phase', 'Pushing');
    const sbom = sbomEnabled(options.sbom)
      ? startSbomStep(deps, { image: context.destinationImage, jobId, options: options.sbom, signal: ctx.signal })
      : undefined;
    let result: BuildResult;
    try {
      result = await pushImage(deps, {
        image: context.destinationImage,
        repository: destRepo,
        tlsVerify: verify(destRepo),
        platform,
        log,
        progress: (p) => ctx.emit('progress', p),
        signal: ctx.signal,
      });
      if (options.sign) {
        const ref = parseImageRef(result.reference);
        const signature = await signPushed(destRepo, {
          repository: ref.repository,
          digest: result.manifestDigest,
          dockerReference: result.reference,
          sign: options.sign,
          signal: ctx.signal,
        });
        log(`signed ${result.reference}@${result.manifestDigest} (signature ${signature.tag})`);
        result = { ...result, signature };
      }
    } catch (err) {
      await sbom?.abandon();
      throw err;
    }
    if (sbom) {
      ctx.emit('phase', 'GeneratingSBOM');
      result = { ...result, ...(await sbom.finish({ pushed: result, repository: destRepo, log, signal: ctx.signal })) };
    }
    succeeded = true;
    return result;
  } finally {
    try {
      await cleanupBuild(conn, {
        succeeded,
        keepImage: options.keepImage === true,
        tag: context.destinationImage,
        buildCache: cacheBefore && { before: cacheBefore, sinceSec: startedAt },
        trace: {
          jobId,
          printedIds: [...output.createdIds, ...(output.imageId ? [output.imageId] : [])],
          containerIds: [...output.containerIds],
          sourceImage: prepared.source.pinned,
          startedAt,
          before,
          concurrent: () => (active.get(sourceKey) ?? 0) > 1,
        },
      });
    } finally {
      journal?.close();
      const left = (active.get(sourceKey) ?? 1) - 1;
      if (left > 0) active.set(sourceKey, left);
      else active.delete(sourceKey);
    }
  }
}

/** Names the source and its Repository when an engine's build error is about a registry. */
function registryHint(error: string, source: string, repository: string): string {
  return /unauthori[sz]ed|authentication required|denied:|x509|certificate|manifest unknown|pinging container registry|initializing source|pull access/i.test(
    error,
  )
    ? ` (pulling ${source} from ${repository})`
    : '';
}

async function cleanupBuild(
  conn: EngineConnection,
  job: {
    succeeded: boolean;
    keepImage: boolean;
    tag: string;
    buildCache: { before: Set<string>; sinceSec: number } | undefined;
    trace: BuildTrace;
  },
): Promise<void> {
  const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
  // BuildKit's records of this build's steps (the image, when kept, does not need them)
  const pruneCache = async (): Promise<void> => {
    if (job.buildCache)
      await pruneNewBuildCache(conn, job.buildCache.before, job.buildCache.sinceSec, signal).catch(() => undefined);
  };
  if (job.succeeded && job.keepImage) return pruneCache();
  await removeImage(conn, job.tag, false, signal).catch(() => undefined);
  await pruneCache();
  if (job.succeeded) {
    // The pushed image: its layers are ours (printed or labelled), nothing is still running. The
    // one guess (a fresh unlabelled layer on the base) is for an unprinted step after an abort; after
    // a success it could only hit someone else's build from the same base (a CLI build's layer), so
    // it is not made.
    await sweepBuildLeftovers(conn, { ...job.trace, concurrent: () => true }, Date.now() + 10_000, signal, 1);
    return;
  }
  await sweepBuildLeftovers(conn, job.trace, Date.now() + CLEANUP_TIMEOUT_MS, signal, 2);
}
