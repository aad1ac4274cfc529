import { RegistryError } from '@imagebuild/core/errors';
import { MediaType } from '../media-types.js';
import type { CallOptions } from '@imagebuild/core/operation';
import type { RegistryApi } from './registry-api.js';
import type { Transport } from './transport.js';
import type { Descriptor, ImageIndex } from '../types.js';
import { parseJson, readLimited } from './read-body.js';
import { readErrorBody } from './registry-errors.js';
import { nextLink } from './link-header.js';
import { referrersTag, type ListReferrersOptions } from '../referrers.js';

export async function listReferrers(
  t: Transport,
  client: RegistryApi,
  repo: string,
  digest: string,
  options: ListReferrersOptions,
): Promise<Descriptor[]> {
  const operation = `referrers ${repo}@${digest}`;
  const filter = (list: Descriptor[]): Descriptor[] =>
    options.artifactType === undefined ? list : list.filter((d) => d.artifactType === options.artifactType);
  let path: string | undefined =
    `/v2/${repo}/referrers/${digest}${options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : ''}`;
  const out: Descriptor[] = [];
  let first = true;
  while (path) {
    const res = await t.send({
      method: 'GET',
      path,
      scope: `repository:${repo}:pull`,
      operation,
      headers: { accept: MediaType.OciIndex },
      accept: first ? [404, 400, 405] : [],
      signal: options.signal,
    });
    if (res.status !== 200) {
      await readErrorBody(res.body);
      return filter(await fromTagSchema(client, repo, digest, options));
    }
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim();
    const bytes = await readLimited(res.body, client.maxManifestBytes, t.registry, operation);
    const index = parseJson<ImageIndex>(bytes, t.registry, operation);
    if (contentType !== MediaType.OciIndex && index.mediaType !== MediaType.OciIndex) {
      throw new RegistryError(
        t.registry,
        operation,
        `referrers API answered ${contentType || 'no content type'}, not an image index`,
      );
    }
    out.push(...(Array.isArray(index.manifests) ? index.manifests : []));
    first = false;
    path = nextLink(res.headers['link']);
  }
  return filter(out);
}

async function fromTagSchema(
  client: RegistryApi,
  repo: string,
  digest: string,
  options: CallOptions,
): Promise<Descriptor[]> {
  try {
    const fetched = await client.getManifest(repo, referrersTag(digest), options);
    const manifests = 'manifests' in fetched.manifest ? fetched.manifest.manifests : undefined;
    return Array.isArray(manifests) ? manifests : [];
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return [];
    throw err;
  }
}

/**
 * Adds `referrer` to the subject's referrers tag-schema index (`sha256-<hex>`),
 * deduplicated, using `If-Match` when the registry offered an ETag. Retries on
 * a lost race (412).
 */
export async function addToReferrersIndex(
  client: RegistryApi,
  repo: string,
  subjectDigest: string,
  referrer: Descriptor,
  options: CallOptions,
): Promise<void> {
  const tag = referrersTag(subjectDigest);
  for (let attempt = 1; ; attempt++) {
    let manifests: Descriptor[] = [];
    let etag: string | undefined;
    try {
      const fetched = await client.getManifest(repo, tag, options);
      etag = fetched.etag;
      const list = 'manifests' in fetched.manifest ? fetched.manifest.manifests : undefined;
      manifests = Array.isArray(list) ? list : [];
    } catch (err) {
      if (!(err instanceof RegistryError && err.status === 404)) throw err;
    }
    if (manifests.some((m) => m.digest === referrer.digest)) return;
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...manifests, referrer] };
    try {
      await client.putManifest(repo, tag, index, {
        mediaType: MediaType.OciIndex,
        ...(etag ? { ifMatch: etag } : {}),
        ...options,
      });
      return;
    } catch (err) {
      if (err instanceof RegistryError && err.status === 412 && attempt < 5) continue;
      throw err;
    }
  }
}
