import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBuild, ImageExport } from '@imagebuild/core';
import { ConversionError } from '@imagebuild/core/errors';
import type { OperationScope } from '@imagebuild/core/operation';
import {
  artifactTitle,
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
import type { EngineConnection } from '../connection/engine-connection.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { runConverter } from './convert.js';
import { converterCacheBinds } from './converter-cache.js';
import { tarDirectory } from './dir-tar.js';
import { ensureConverterImage } from './ensure-image.js';
import { exportInputs } from './export-inputs.js';
import { CONVERTER_IMAGE_ANNOTATION, CONVERTER_KEY_ANNOTATION, converterKey, findReusableArtifact } from './reuse.js';
import { createSecretDir, jobTag, type SecretDir } from './secret-dir.js';
import { signPushed } from '../build/sign-step.js';

export interface ExportDeps {
  conn: EngineConnection;
  registries: RegistryAccessFactory;
  /** The converter's persistent `/store` + `/rpmmd` caches for this engine; undefined: none. */
  cacheDir?: string | undefined;
}

/**
 * The shared export flow: validate everything → resolve the built image's platform manifest →
 * refresh the converter image → reuse an artifact with the same image, format and converter
 * configuration, or run the converter (the built digest pulled into private storage, converted
 * under its destination tag) → push the output as an OCI artifact whose subject is the image,
 * annotated with its reuse key. The container and every temporary directory are removed in every
 * outcome; a folder or container left by a killed process carries the job id for the start-up sweep.
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
  const input = exportInputs(imageExport, imageBuild, repositories, options, conn.info.platform, !!deps.cacheDir);
  const { destRepo, ref } = input;
  const jobId = options.jobId ?? randomUUID();
  const log = (l: string): void => ctx.emit('log', l);
  const registry = deps.registries(destRepo);
  let work: string | undefined;
  let secrets: SecretDir | undefined;
  try {
    ctx.emit('phase', 'Converting');
    const converterImage = options.converterImage ?? DEFAULT_CONVERTER_IMAGE;
    // independent round trips (registry, engine): in parallel
    const [subject, converterId] = await Promise.all([
      registry.resolvePlatform(ref.repository, ref.digest ?? ref.tag ?? 'latest', input.platform, ctx.signal),
      ensureConverterImage(conn, converterImage, log, ctx.signal),
    ]);
    const pinned = `${ref.registry}/${ref.repository}@${subject.digest}`;
    const configJson = options.converterConfig ? converterConfigJson(options.converterConfig) : '';
    const key = converterKey({ converterImageId: converterId, flags: input.flags, target: input.target, configJson });
    const type = artifactType(format);
    const reusable =
      !options.noReuse && format !== 'qcow2-disk-container' && !converterConfigHasSecret(options.converterConfig);
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
    log(`converting ${pinned} as ${input.target} (the bootc target) with ${converterImage} (${converterId})`);
    work = await mkdtemp(join(tmpdir(), `imagebuild-export-${jobTag(jobId)}`));
    const outputDir = join(work, 'output');
    await mkdir(outputDir);
    await mkdir(join(work, 'storage'));
    secrets = await createSecretDir({
      registry: ref.registry,
      credentials: repositoryCredentials(destRepo),
      caPem: repositoryCaPem(destRepo),
      configJson: configJson || undefined,
      jobId,
    });
    const caches = deps.cacheDir ? await converterCacheBinds(deps.cacheDir) : [];
    await runConverter(conn, {
      converterImage,
      jobId,
      pinned,
      target: input.target,
      tlsVerify: destRepo.spec.scheme !== 'http' && destRepo.spec.skipServerVerification !== true,
      flags: input.flags,
      bibType: input.bibType,
      outputDir,
      binds: [`${outputDir}:/output`, `${join(work, 'storage')}:/var/lib/containers`, ...secrets.binds, ...caches],
      onLog: log,
      onStage: (s) => ctx.emit('stage', s),
      signal: ctx.signal,
    });
    let file = join(outputDir, exportOutputPath(format));
    const missing = (): never => {
      throw new ConversionError(`converter succeeded but wrote no ${exportOutputPath(format)}`, { exitCode: 0 });
    };
    if (exportOutputIsDirectory(format)) {
      if (
        !(await stat(file).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        missing();
      const tar = join(work, artifactTitle(format));
      await tarDirectory(file, exportOutputPath(format), tar, ctx.signal);
      file = tar;
    }
    const size = await stat(file).then((s) => s.size, missing);
    ctx.emit('phase', 'Pushing');
    ctx.emit('progress', { phase: 'Pushing', bytesDone: 0, bytesTotal: size });
    const onProgress = (p: { bytesDone: number; bytesTotal: number | undefined }): void =>
      ctx.emit('progress', { phase: 'Pushing', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal ?? size });
    // qcow2-disk-container: a real KubeVirt containerdisk (pullable image, /disk/disk.qcow2), packed without an engine build.
    const pushed =
      format === 'qcow2-disk-container'
        ? await registry.pushContainerDisk(
            { repository: ref.repository, file, subject, platform: input.platform, onProgress },
            ctx.signal,
          )
        : await registry.pushArtifact(
            {
              repository: ref.repository,
              file,
              subject,
              artifactType: type,
              title: artifactTitle(format),
              annotations: reusable
                ? { [CONVERTER_KEY_ANNOTATION]: key, [CONVERTER_IMAGE_ANNOTATION]: `${converterImage} ${converterId}` }
                : undefined,
              onProgress,
            },
            ctx.signal,
          );
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
    await secrets?.remove().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    await registry.close().catch(() => undefined);
  }
}
