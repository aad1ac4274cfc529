import { ConflictError, NotFoundError, type ExportFormat, type Repository } from '@imagebuild/core';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import type { BuilderContext } from './context.js';

/** Where a Completed export's artifact is: the build's destination registry and repository. */
export interface ExportSource {
  buildName: string;
  format: ExportFormat;
  /** The destination Repository, credentials unsealed (never log or return it). */
  repo: Repository;
  /** Repository path in the registry (the build's `destination.imageName`). */
  imageName: string;
  /** The artifact manifest's digest (`status.manifestDigest`). */
  manifestDigest: string;
}

/**
 * Resolves a Completed export to its artifact's location. Not ready or no digest → `ConflictError`;
 * a missing export, build or repository → `NotFoundError`.
 */
export async function resolveExportSource(ctx: BuilderContext, exportName: string): Promise<ExportSource> {
  const rec = await ctx.store.get('ImageExport', exportName);
  if (!rec) throw new NotFoundError(`ImageExport "${exportName}" not found`);
  const ready = getReadyCondition(rec.object.status?.conditions);
  if (ready?.status !== 'True') {
    throw new ConflictError(
      `ImageExport "${exportName}" is not ready (status: ${ready?.status ?? 'Unknown'}, reason: ${ready?.reason ?? 'none'})`,
    );
  }
  const digest = rec.object.status?.manifestDigest;
  if (!digest) throw new ConflictError(`ImageExport "${exportName}" has no manifestDigest`);
  const buildName = rec.object.spec.source.imageBuildRef;
  const build = await ctx.store.get('ImageBuild', buildName);
  if (!build)
    throw new NotFoundError(`ImageBuild "${buildName}" (the source of ImageExport "${exportName}") not found`);
  const repoName = build.object.spec.destination.repository;
  const repoRec = await ctx.store.get('Repository', repoName);
  if (!repoRec)
    throw new NotFoundError(`Repository "${repoName}" (destination of ImageBuild "${buildName}") not found`);
  const { repo, ok } = ctx.sealer.unseal(repoRec.object);
  if (!ok)
    throw new ConflictError(`the credentials of Repository "${repoName}" are not available; re-apply the Repository`);
  return {
    buildName,
    format: rec.object.spec.format as ExportFormat,
    repo,
    imageName: build.object.spec.destination.imageName,
    manifestDigest: digest,
  };
}
