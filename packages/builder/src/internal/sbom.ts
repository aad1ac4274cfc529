import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, type ImageBuild } from '@imagebuild/core';
import { RegistryError } from '@imagebuild/core/errors';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { SBOM_MEDIA_TYPE } from '@imagebuild/core/runner';
import { Annotation, RegistryClient, optionsFromRepository, type ImageManifest, type Platform } from '@imagebuild/oci';
import type { BuilderContext } from './context.js';
import type { SbomInfo, Sbom, SbomReadOptions } from '../sbom-types.js';
// Public shapes, defined in the public module; re-exported for the internal modules importing them here.
export type { SbomInfo, Sbom, SbomReadOptions };

/** An SBOM document is a few MiB at most; more is refused rather than buffered. */
const MAX_SBOM_BYTES = 64 * 1024 * 1024;

async function openBuild(ctx: BuilderContext, name: string) {
  const rec = await ctx.store.get('ImageBuild', name);
  if (!rec) throw new NotFoundError(`ImageBuild "${name}" not found`);
  const ib: ImageBuild = rec.object;
  const ready = getReadyCondition(ib.status?.conditions);
  const digest = ib.status?.manifestDigest;
  if (ready?.status !== 'True' || !digest)
    throw new ConflictError(`ImageBuild "${name}" is not completed (reason: ${ready?.reason ?? 'none'})`);
  const repoName = ib.spec.destination.repository;
  const repoRec = await ctx.store.get('Repository', repoName);
  if (!repoRec) throw new NotFoundError(`Repository "${repoName}" (destination of ImageBuild "${name}") not found`);
  const { repo, ok } = ctx.sealer.unseal(repoRec.object);
  if (!ok)
    throw new ConflictError(`the credentials of Repository "${repoName}" are not available; re-apply the Repository`);
  const platform: Platform = { os: 'linux', architecture: ib.status?.architecture ?? 'amd64' };
  return {
    client: new RegistryClient(optionsFromRepository(repo)),
    repository: ib.spec.destination.imageName,
    digest,
    platform,
  };
}

/** The SBOM referrers of a Completed build's platform manifest, oldest first. */
export async function listSboms(
  ctx: BuilderContext,
  name: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<SbomInfo[]> {
  const b = await openBuild(ctx, name);
  try {
    const subject = await b.client.resolvePlatformManifest(b.repository, b.digest, b.platform, options);
    const found = await b.client.listReferrers(b.repository, subject.digest, {
      artifactType: SBOM_MEDIA_TYPE,
      signal: options.signal,
    });
    return found
      .map((d) => ({
        manifestDigest: d.digest,
        artifactType: d.artifactType ?? SBOM_MEDIA_TYPE,
        title: d.annotations?.[Annotation.Title],
        created: d.annotations?.[Annotation.Created],
      }))
      .sort((x, y) => (x.created ?? '').localeCompare(y.created ?? ''));
  } finally {
    await b.client.close();
  }
}

/** Downloads an SBOM of a Completed build (the newest unless `digest` names one). None → `NotFoundError`. */
export async function getSbom(ctx: BuilderContext, name: string, options: SbomReadOptions = {}): Promise<Sbom> {
  const list = await listSboms(ctx, name, options);
  const info = options.digest ? list.find((s) => s.manifestDigest === options.digest) : list.at(-1);
  if (!info) throw new NotFoundError(`ImageBuild "${name}" has no SBOM${options.digest ? ` ${options.digest}` : ''}`);
  const b = await openBuild(ctx, name);
  try {
    const fetched = await b.client.getManifest(b.repository, info.manifestDigest, { signal: options.signal });
    const layer = (fetched.manifest as ImageManifest).layers?.[0];
    if (!layer || typeof layer.digest !== 'string')
      throw new RegistryError(
        b.client.registry,
        `GET ${b.repository}@${info.manifestDigest}`,
        'SBOM manifest has no layer',
      );
    if (!(layer.size <= MAX_SBOM_BYTES))
      throw new RegistryError(b.client.registry, `GET ${layer.digest}`, `SBOM larger than ${MAX_SBOM_BYTES} bytes`);
    const blob = await b.client.getBlob(b.repository, layer.digest, { signal: options.signal });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of blob.body) {
      size += (c as Buffer).length;
      if (size > layer.size) break;
      chunks.push(c as Buffer);
    }
    blob.body.destroy();
    const content = Buffer.concat(chunks);
    const actual = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    if (content.length !== layer.size || actual !== layer.digest)
      throw new RegistryError(
        b.client.registry,
        `GET ${layer.digest}`,
        `SBOM content does not match its digest (got ${actual})`,
      );
    return { ...info, mediaType: layer.mediaType, digest: layer.digest, size: layer.size, content };
  } finally {
    await b.client.close();
  }
}
