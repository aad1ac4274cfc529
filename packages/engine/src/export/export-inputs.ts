import { ValidationError, type ImageBuild, type ImageExport, type Repository } from '@imagebuild/core';
import { imageReferenceFor, parseImageRef, type ImageRef } from '@imagebuild/core/refs';
import { bibImageType, findRepository, type RepositoryLookup } from '@imagebuild/core/resources';
import { validateConverterRequest, type RunnerExportOptions } from '@imagebuild/core/runner';
import { converterFlags } from './converter-script.js';

/** Everything an export needs, checked before anything runs. */
export interface ExportInputs {
  destRepo: Repository;
  /** The image to convert (a tag or a digest in the destination repository). */
  ref: ImageRef;
  /** `registry/repository:tag`: the destination tag, the bootc target the disk records. */
  target: string;
  platform: string;
  bibType: string;
  /** bootc-image-builder flags (without the image reference). */
  flags: string[];
}

/**
 * Checks the export against its build and repositories and the converter options against the
 * converter's rules (`validateConverterRequest`): every problem is a `ValidationError` naming the
 * field, thrown before any container starts.
 */
export function exportInputs(
  imageExport: ImageExport,
  imageBuild: ImageBuild,
  repositories: RepositoryLookup,
  options: RunnerExportOptions,
  enginePlatform: string,
  caches: boolean,
): ExportInputs {
  const destRepo = checkInputs(imageExport, imageBuild, repositories);
  const ref = parseImageRef(options.imageReference ?? defaultReference(imageBuild, destRepo));
  if (ref.registry !== destRepo.spec.registry) {
    throw new ValidationError([
      { path: 'options.imageReference', message: `must be in the destination registry ${destRepo.spec.registry}` },
    ]);
  }
  const target = ref.tag
    ? `${ref.registry}/${ref.repository}:${ref.tag}`
    : `${ref.registry}/${ref.repository}:${imageBuild.spec.destination.imageTag}`;
  const platform = options.platform ?? enginePlatform;
  const targetArch = platform === enginePlatform ? undefined : platform.split('/')[1];
  const bibType = bibImageType(imageExport.spec.format);
  const installerPayloadRef =
    bibType === 'bootc-installer' ? (options.installerPayloadRef ?? target) : options.installerPayloadRef;
  const rootfs = options.rootfs ?? 'xfs';
  validateConverterRequest({
    types: [bibType],
    rootfs,
    targetArch,
    hostArch: enginePlatform.split('/')[1],
    chown: options.chown,
    useLibrepo: options.useLibrepo,
    installerPayloadRef,
    config: options.converterConfig,
  });
  const flags = converterFlags({
    type: bibType,
    rootfs,
    targetArch,
    chown: options.chown,
    useLibrepo: options.useLibrepo,
    installerPayloadRef,
    caches,
  });
  return { destRepo, ref, target, platform, bibType, flags };
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
