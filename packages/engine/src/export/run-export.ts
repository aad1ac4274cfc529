import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConversionError,
  DEFAULT_CONVERTER_IMAGE,
  ValidationError,
  artifactTitle,
  artifactType,
  bibImageType,
  exportOutputPath,
  findRepository,
  imageReferenceFor,
  parseImageRef,
  redactText,
  throwIfAborted,
  type ExportEvents,
  type ExportResult,
  type ImageBuild,
  type ImageExport,
  type OperationContext,
  type Repository,
  type RepositoryLookup,
  type RunnerExportOptions,
} from '@imagebuild/core';
import { repositoryCaPem, repositoryCredentials } from '../auth/registry-auth.js';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { RegistryAccessFactory } from '../registry/registry-access.js';
import { LogTail } from '../stream/log-tail.js';
import { createContainer, followLogs, removeContainer, startContainer, waitContainer } from './container-run.js';
import { converterCommand } from './converter-script.js';
import { converterConfigJson } from './converter-config.js';
import { ensureImage } from './ensure-image.js';
import { createSecretDir, jobTag, type SecretDir } from './secret-dir.js';
import { signPushed } from '../build/sign-step.js';

export interface ExportDeps {
  conn: EngineConnection;
  registries: RegistryAccessFactory;
}

const CLEANUP_TIMEOUT_MS = 10_000;

/**
 * The shared export flow: resolve the built image's platform manifest → run the converter
 * (privileged, host network, unconfined label, private storage, the image pulled inside with
 * credentials from a tmpfs bind) → read the per-type output → push it as an OCI artifact whose
 * subject is the image. The container and every temporary directory are removed in every outcome.
 */
export async function runExport(
  deps: ExportDeps,
  imageExport: ImageExport,
  imageBuild: ImageBuild,
  repositories: RepositoryLookup,
  options: RunnerExportOptions,
  ctx: OperationContext<ExportEvents>,
): Promise<ExportResult> {
  const { conn } = deps;
  const format = imageExport.spec.format;
  const destRepo = checkInputs(imageExport, imageBuild, repositories);
  const reference = options.imageReference ?? defaultReference(imageBuild, destRepo);
  const ref = parseImageRef(reference);
  if (ref.registry !== destRepo.spec.registry) {
    throw new ValidationError([
      { path: 'options.imageReference', message: `must be in the destination registry ${destRepo.spec.registry}` },
    ]);
  }
  const jobId = options.jobId ?? randomUUID();
  const platform = options.platform ?? conn.info.platform;
  const targetArch = platform === conn.info.platform ? undefined : platform.split('/')[1];
  const tail = new LogTail(30);
  const registry = deps.registries(destRepo);
  let work: string | undefined;
  let secrets: SecretDir | undefined;
  let containerId: string | undefined;
  try {
    ctx.emit('phase', 'Converting');
    const subject = await registry.resolvePlatform(
      ref.repository,
      ref.digest ?? ref.tag ?? 'latest',
      platform,
      ctx.signal,
    );
    const pinned = `${ref.registry}/${ref.repository}@${subject.digest}`;
    work = await mkdtemp(join(tmpdir(), `imagebuild-export-${jobTag(jobId)}`));
    await mkdir(join(work, 'output'));
    await mkdir(join(work, 'storage'));
    secrets = await createSecretDir({
      registry: ref.registry,
      credentials: repositoryCredentials(destRepo),
      caPem: repositoryCaPem(destRepo),
      configJson: options.converterConfig ? converterConfigJson(options.converterConfig) : undefined,
      jobId,
    });
    const converterImage = options.converterImage ?? DEFAULT_CONVERTER_IMAGE;
    await ensureImage(conn, converterImage, (l) => ctx.emit('log', l), ctx.signal);
    const command = converterCommand({
      reference: pinned,
      type: bibImageType(format),
      rootfs: options.rootfs ?? 'xfs',
      targetArch,
      tlsVerify: destRepo.spec.scheme !== 'http' && destRepo.spec.skipServerVerification !== true,
    });
    containerId = await createContainer(
      conn,
      {
        image: converterImage,
        ...command,
        jobId,
        privileged: true,
        networkMode: 'host',
        securityOpt: ['label=type:unconfined_t'],
        binds: [`${join(work, 'output')}:/output`, `${join(work, 'storage')}:/var/lib/containers`, ...secrets.binds],
      },
      ctx.signal,
    );
    await startContainer(conn, containerId, ctx.signal);
    await followLogs(
      conn,
      containerId,
      (line) => {
        const clean = redactText(line);
        tail.add(clean);
        ctx.emit('log', clean);
      },
      ctx.signal,
    );
    const exitCode = await waitContainer(conn, containerId, ctx.signal);
    throwIfAborted(ctx.signal);
    if (exitCode !== 0) {
      const last = tail.lines.filter((l) => l.trim() !== '').at(-1) ?? 'no output';
      throw new ConversionError(`converter exited with code ${exitCode}: ${last}`, { exitCode, logTail: tail.lines });
    }
    const file = join(work, 'output', exportOutputPath(format));
    const size = await stat(file).then(
      (s) => s.size,
      () => {
        throw new ConversionError(`converter succeeded but wrote no ${exportOutputPath(format)}`, {
          exitCode,
          logTail: tail.lines,
        });
      },
    );
    ctx.emit('phase', 'Pushing');
    ctx.emit('progress', { phase: 'Pushing', bytesDone: 0, bytesTotal: size });
    const onProgress = (p: { bytesDone: number; bytesTotal: number | undefined }): void =>
      ctx.emit('progress', { phase: 'Pushing', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal ?? size });
    // qcow2-disk-container: a real KubeVirt containerdisk (pullable image, /disk/disk.qcow2), packed without an engine build.
    const pushed =
      format === 'qcow2-disk-container'
        ? await registry.pushContainerDisk(
            { repository: ref.repository, file, subject, platform, onProgress },
            ctx.signal,
          )
        : await registry.pushArtifact(
            {
              repository: ref.repository,
              file,
              subject,
              artifactType: artifactType(format),
              title: artifactTitle(format),
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
    const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
    if (containerId) await removeContainer(conn, containerId, signal).catch(() => undefined);
    await secrets?.remove().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    await registry.close().catch(() => undefined);
  }
}

function checkInputs(imageExport: ImageExport, imageBuild: ImageBuild, repositories: RepositoryLookup): Repository {
  const issues: { path: string; message: string }[] = [];
  if (imageExport.spec.source.imageBuildRef !== imageBuild.metadata.name) {
    issues.push({
      path: 'spec.source.imageBuildRef',
      message: `must name the ImageBuild given ("${imageBuild.metadata.name ?? ''}")`,
    });
  }
  const destRepo = findRepository(repositories, imageBuild.spec.destination.repository);
  if (!destRepo)
    issues.push({
      path: 'spec.destination.repository',
      message: `Repository "${imageBuild.spec.destination.repository}" was not given`,
    });
  if (issues.length > 0 || !destRepo)
    throw new ValidationError(issues, { subject: `ImageExport "${imageExport.metadata.name ?? ''}"` });
  return destRepo;
}

function defaultReference(build: ImageBuild, destRepo: Repository): string {
  const base = imageReferenceFor(destRepo, build.spec.destination.imageName, build.spec.destination.imageTag);
  const digest = build.status?.manifestDigest;
  return digest ? `${base.slice(0, base.lastIndexOf(':'))}@${digest}` : base;
}
