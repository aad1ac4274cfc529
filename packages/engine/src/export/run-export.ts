import { randomBytes, randomUUID } from 'node:crypto';
import type { ImageBuild, ImageExport } from '@imagebuild/core';
import { ConversionError } from '@imagebuild/core/errors';
import type { OperationScope } from '@imagebuild/core/operation';
import {
  artifactType,
  exportOutputIsDirectory,
  exportOutputPath,
  type RepositoryLookup,
} from '@imagebuild/core/resources';
import {
  DEFAULT_CONVERTER_IMAGE,
  converterConfigHasSecret,
  converterConfigJson,
  type ExportEvents,
  type ExportResult,
  type RunnerExportOptions,
} from '@imagebuild/core/runner';
import { repositoryCaPem, repositoryCredentials } from '../auth/registry-auth.js';
import { signPushed } from '../build/sign-step.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { runConverter } from './convert.js';
import { converterHandOver } from './converter-inputs.js';
import { converterRegistryDigest } from './converter-digest.js';
import { ensureConverterImage } from './ensure-image.js';
import { exportInputs } from './export-inputs.js';
import { ExportResources } from './export-resources.js';
import { localOutput, localVolumeDir } from './local-output.js';
import { openOutput } from './output-archive.js';
import { pushOutput } from './push-output.js';
import { CONVERTER_IMAGE_ANNOTATION, CONVERTER_KEY_ANNOTATION, converterKey, findReusableArtifact } from './reuse.js';

export interface ExportDeps {
  conn: EngineConnection;
  registries: RegistryAccessFactory;
  /** Key of the converter's persistent `/store` + `/rpmmd` cache volumes on this engine; undefined: none. */
  cacheKey?: string | undefined;
}

/**
 * The shared export flow, on a local or a remote engine alike (only the engine API is used: no host
 * directory is shared with the engine): validate everything → resolve the built image's platform
 * manifest, refresh the converter image and create the export's labelled volumes, in parallel → reuse
 * an artifact with the same image, format and converter configuration, or run the converter (the
 * built digest pulled into private storage, converted under its destination tag; credentials put into
 * the created container through the archive API) → stream the output out of the stopped container
 * (archive API) into the artifact push, hashed while uploaded, nothing on the builder's disk. The
 * container and volumes are removed in every outcome (from the moment the output is read, in
 * parallel with the end of the push); a killed process leaves them labelled with the job id for the
 * start-up sweep.
 */
export async function runExport(
  deps: ExportDeps,
  imageExport: ImageExport,
  imageBuild: ImageBuild,
  repositories: RepositoryLookup,
  options: RunnerExportOptions,
  ctx: OperationScope<ExportEvents>,
): Promise<ExportResult> {
  const { conn } = deps;
  const format = imageExport.spec.format;
  const input = exportInputs(imageExport, imageBuild, repositories, options, conn.info.platform, !!deps.cacheKey);
  const { destRepo, ref } = input;
  const jobId = options.jobId ?? randomUUID();
  const log = (l: string): void => ctx.emit('log', l);
  const registry = deps.registries(destRepo);
  const resources = new ExportResources(conn, jobId);
  try {
    ctx.emit('phase', 'Converting');
    const converterImage = options.converterImage ?? DEFAULT_CONVERTER_IMAGE;
    const configJson = options.converterConfig ? converterConfigJson(options.converterConfig) : '';
    const reusable =
      !options.noReuse && format !== 'qcow2-disk-container' && !converterConfigHasSecret(options.converterConfig);
    // independent round trips (registry, engine): in parallel; the volumes too when no artifact can
    // be reused (else after the lookup: a reused export creates nothing on the engine)
    const [subject, converterId] = await Promise.all([
      registry.resolvePlatform(ref.repository, ref.digest ?? ref.tag ?? 'latest', input.platform, ctx.signal),
      ensureConverterImage(
        conn,
        converterImage,
        log,
        ctx.signal,
        converterRegistryDigest(converterImage, repositories, deps.registries, ctx.signal),
      ),
      reusable ? undefined : resources.prepare(deps.cacheKey, ctx.signal),
    ]);
    const pinned = `${ref.registry}/${ref.repository}@${subject.digest}`;
    const key = converterKey({ converterImageId: converterId, flags: input.flags, target: input.target, configJson });
    const type = artifactType(format);
    if (reusable) {
      const found = await findReusableArtifact(destRepo, ref.repository, subject, type, key, ctx.signal);
      if (found) {
        log(
          `reused ${type} artifact ${found.manifestDigest}: same image ${subject.digest}, format ${format} and converter configuration (${key}); nothing converted`,
        );
        // the phases every export reports (the artifact is already in place: nothing to push)
        ctx.emit('phase', 'Pushing');
        ctx.emit('progress', { phase: 'Pushing', bytesDone: found.size, bytesTotal: found.size });
        return { ...found, subject: pinned };
      }
    }
    if (reusable) await resources.prepare(deps.cacheKey, ctx.signal);
    const marker = randomBytes(16).toString('hex');
    log(`converting ${pinned} as ${input.target} (the bootc target) with ${converterImage} (${converterId})`);
    // the output volume as this host sees it (a local engine): the end and the output are read there
    const outputDir = await localVolumeDir(conn, resources.outputVolume(), ctx.signal);
    const { id, logs, stopped } = await runConverter(conn, {
      converterImage,
      jobId,
      pinned,
      target: input.target,
      tlsVerify: destRepo.spec.scheme !== 'http' && destRepo.spec.skipServerVerification !== true,
      marker,
      flags: input.flags,
      bibType: input.bibType,
      binds: resources.binds(),
      registry: ref.registry,
      outputDir,
      inputs: await converterHandOver({
        registry: ref.registry,
        credentials: repositoryCredentials(destRepo),
        caPem: repositoryCaPem(destRepo),
        configJson: configJson || undefined,
        configSecret: converterConfigHasSecret(options.converterConfig),
      }),
      onCreated: (cid) => resources.setContainer(cid),
      onLog: log,
      onStage: (s) => ctx.emit('stage', s),
      signal: ctx.signal,
    });
    const directory = exportOutputIsDirectory(format);
    const outPath = exportOutputPath(format);
    const local = directory ? undefined : await localOutput(outputDir, outPath, marker, ctx.signal);
    // read from the volume: the container goes once the engine saw it stop, while the push runs
    // (never removed earlier: that would kill a converter that has not quite exited)
    if (local) stopped.then(() => resources.releaseContainer()).catch(() => undefined);
    // the log stream can end well after the container died (podman: with its cleanup, ~2 s on a
    // loaded host): the push does not wait for it, the export's end does
    // the archive API reads a stopped container only (podman joins a running one's mount namespace,
    // which vanishes as it exits: "open /proc/…/ns/mnt" in a CI run)
    const output =
      local ??
      (await stopped.then(
        () => openOutput(conn, id, `/output/${outPath}`, directory, ctx.signal),
        // the engine could not say: the read is tried all the same
        () => openOutput(conn, id, `/output/${outPath}`, directory, ctx.signal),
      ));
    if (!output)
      throw new ConversionError(`converter succeeded but wrote no ${exportOutputPath(format)}`, { exitCode: 0 });
    ctx.emit('phase', 'Pushing');
    const pushing = pushOutput(
      {
        registry,
        repository: ref.repository,
        format,
        output,
        subject,
        platform: input.platform,
        jobId,
        annotations: reusable
          ? { [CONVERTER_KEY_ANNOTATION]: key, [CONVERTER_IMAGE_ANNOTATION]: `${converterImage} ${converterId}` }
          : undefined,
        // the engine's part is over once the output is read: removed while the push ends
        onOutputRead: () => resources.release(),
        onProgress: (p) => ctx.emit('progress', { phase: 'Pushing', ...p }),
      },
      ctx.signal,
    );
    const [pushed] = await Promise.all([pushing, logs]);
    const signature = options.sign
      ? await signPushed(destRepo, {
          repository: ref.repository,
          digest: pushed.digest,
          dockerReference: `${ref.registry}/${ref.repository}`,
          sign: options.sign,
          signal: ctx.signal,
        })
      : undefined;
    return {
      manifestDigest: pushed.digest,
      mediaType: pushed.mediaType,
      artifactType: pushed.artifactType,
      size: pushed.layerSize,
      layerDigest: pushed.layerDigest,
      subject: pinned,
      ...(signature ? { signature } : {}),
    };
  } finally {
    await resources.release();
    await registry.close().catch(() => undefined);
  }
}
