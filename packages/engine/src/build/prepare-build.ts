import type { ImageBuild, Repository } from '@imagebuild/core';
import type { BuildContext } from '@imagebuild/core/containerfile';
import { parseImageRef } from '@imagebuild/core/refs';
import type { BuildResult } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { EngineDialect } from '../dialect.js';
import { prepareEngineTrust, type EngineTrust } from '../registry/engine-trust.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { repositoryError } from '../registry/repository-errors.js';
import { BASE_DIGEST_LABEL, BASE_NAME_LABEL, buildKey, decideReuse, type ReuseDecision } from './build-reuse.js';
import { resolveSource, type PinnedSource } from './source-pin.js';

export interface PrepareInput {
  conn: EngineConnection;
  dialect: EngineDialect;
  registries: RegistryAccessFactory;
  /** Directory of per-registry CAs of a local engine (default: the dialect's; `false`: never write). */
  certsDir: string | false | undefined;
  imageBuild: ImageBuild;
  context: BuildContext;
  sourceRepo: Repository;
  destRepo: Repository;
  platform: string;
  /** Why an image at the destination must not stand for this build (`noCache`, `keepImage`), if so. */
  noReuse: string | undefined;
  log(line: string): void;
  signal: AbortSignal;
}

/** Everything decided before the engine is asked to build. */
export interface PreparedBuild {
  source: PinnedSource;
  /** The build arguments with `SOURCE_IMAGE` pinned to the resolved digest. */
  buildArgs: Record<string, string>;
  /** Labels (and annotations) for the image: base name and digest, build key. */
  imageLabels: Record<string, string>;
  key: string;
  /** `tlsVerify` per registry for the engine's requests. */
  trust: Map<string, EngineTrust>;
  /** Set when the image at the destination already is this build's result. */
  reused: BuildResult | undefined;
}

/**
 * Before building: resolve the source tag to a digest (pull access, verified TLS), check push access
 * to the destination, make the engine's TLS trust match the Repositories, compute the build key and
 * decide whether the destination already holds this build. Fails in seconds, naming the Repository.
 */
export async function prepareBuild(input: PrepareInput): Promise<PreparedBuild> {
  const { imageBuild, context, sourceRepo, destRepo, log, signal } = input;
  const spec = imageBuild.spec;
  const dest = parseImageRef(context.destinationImage);
  const access = input.registries(destRepo);
  try {
    // The three checks are independent (different registries or the engine), so they run together:
    // the slowest one, not their sum, is what the build waits for. A wrong password fails two of them
    // (the push check and the engine's login): the first failure in this order is reported, whichever
    // came first, so the same mistake always gives the same message.
    const [pinned, push, engineTrust] = await Promise.allSettled([
      resolveSource(input.registries, sourceRepo, spec.source.imageName, spec.source.imageTag, signal),
      access.checkPush(dest.repository, signal).catch((err: unknown) => {
        throw repositoryError(destRepo, `push access check to ${dest.repository}`, err);
      }),
      prepareEngineTrust(input.conn, input.dialect, [sourceRepo, destRepo], {
        certsDir: input.certsDir ?? input.dialect.certsDir,
        log: (line) => log(`[imagebuild] ${line}`),
        signal,
      }),
    ]);
    if (pinned.status === 'rejected') throw pinned.reason;
    if (push.status === 'rejected') throw push.reason;
    if (engineTrust.status === 'rejected') throw engineTrust.reason;
    const source = pinned.value;
    const trust = engineTrust.value;
    log(`[imagebuild] source ${source.name} resolved to ${source.digest}; building FROM ${source.pinned}`);
    const buildArgs = { ...context.buildArgs, SOURCE_IMAGE: source.pinned };
    const key = buildKey({ spec, source, platform: input.platform, files: context.files, buildArgs });
    const imageLabels = { [BASE_NAME_LABEL]: source.name, [BASE_DIGEST_LABEL]: source.digest };
    let reused: BuildResult | undefined;
    if (input.noReuse)
      log(`[imagebuild] build key ${key}; ${input.noReuse}: building without looking for a reusable image`);
    else {
      const decision = await decideReuse(
        access,
        { reference: context.destinationImage, repository: dest.repository, tag: dest.tag ?? 'latest' },
        key,
        source,
        input.platform,
        signal,
      ).catch((err: unknown): ReuseDecision => {
        // Push access is proven; an unreadable image there (another platform, not an image) is replaced.
        if (signal.aborted) throw err;
        return { reuse: false, reason: repositoryError(destRepo, `read ${context.destinationImage}`, err).message };
      });
      log(`[imagebuild] ${decision.reuse ? 'reusing' : 'building'}: ${decision.reason}`);
      if (decision.reuse) reused = decision.result;
    }
    return { source, buildArgs, imageLabels, key, trust, reused };
  } finally {
    await access.close().catch(() => undefined);
  }
}
