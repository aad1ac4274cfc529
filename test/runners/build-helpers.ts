import { deterministicTar } from '@imagebuild/core/containerfile';
import type { EngineConnection } from '@imagebuild/engine';
import { inBandError, jsonMessages } from '@imagebuild/engine/dialect';
import type { ImageManifest, RegistryClient } from '@imagebuild/oci';

/** Copies `from:ref` (a single-platform image) to `to:tag` blob by blob, between any two registries. */
export async function copyImage(
  src: RegistryClient,
  srcRepo: string,
  ref: string,
  dst: RegistryClient,
  dstRepo: string,
  tag: string,
): Promise<string> {
  const fetched = await src.getManifest(srcRepo, ref);
  const manifest = fetched.manifest as ImageManifest;
  if (!manifest.config || !manifest.layers) throw new Error(`${srcRepo}:${ref} is not a single image manifest`);
  for (const d of [manifest.config, ...manifest.layers]) {
    if ((await dst.headBlob(dstRepo, d.digest)) !== undefined) continue;
    const blob = await src.getBlob(srcRepo, d.digest);
    await dst.uploadBlob(dstRepo, { stream: blob.body }, { digest: d.digest, size: d.size });
  }
  const put = await dst.putManifest(dstRepo, tag, fetched.bytes, { mediaType: fetched.descriptor.mediaType });
  return put.descriptor.digest;
}

async function drain(what: string, stream: NodeJS.ReadableStream): Promise<void> {
  for await (const msg of jsonMessages(stream as never)) {
    const error = inBandError(msg);
    if (error) throw new Error(`${what}: ${error}`);
  }
}

/**
 * Builds `FROM <from>` plus `/pin-version` holding `marker` as `tag` on the engine (no RUN step,
 * so it needs no runtime), pushes it (an insecure registry: registry A) and returns the image id.
 */
export async function buildAndPushDerived(
  conn: EngineConnection,
  from: string,
  tag: string,
  marker: string,
): Promise<void> {
  const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  const tar = deterministicTar([
    { path: 'Containerfile', mode: 0o644, content: enc(`FROM ${from}\nCOPY pin-version /pin-version\n`) },
    { path: 'pin-version', mode: 0o644, content: enc(`${marker}\n`) },
  ]);
  const build = await conn.stream({
    method: 'POST',
    path: conn.compat('/build'),
    query: { t: tag, dockerfile: 'Containerfile', rm: true, forcerm: true },
    body: tar,
    headers: { 'Content-Type': 'application/x-tar' },
  });
  await drain(`build ${tag}`, build);
  const colon = tag.lastIndexOf(':');
  const push = await conn.stream({
    method: 'POST',
    path: conn.compat(`/images/${encodeURIComponent(tag.slice(0, colon))}/push`),
    query: { tag: tag.slice(colon + 1) },
    headers: { 'X-Registry-Auth': 'e30=' },
  });
  await drain(`push ${tag}`, push);
}

/** Points the engine's local `tag` at `image` (an id or reference the engine holds). */
export async function tagLocally(conn: EngineConnection, image: string, tag: string): Promise<void> {
  const colon = tag.lastIndexOf(':');
  await conn.json({
    method: 'POST',
    path: conn.compat(`/images/${encodeURIComponent(image)}/tag`),
    query: { repo: tag.slice(0, colon), tag: tag.slice(colon + 1) },
    ok: [200, 201],
  });
}

/** Removes a local tag or image, ignoring one that is not there. */
export async function untag(conn: EngineConnection, ref: string): Promise<void> {
  await conn.json({
    method: 'DELETE',
    path: conn.compat(`/images/${encodeURIComponent(ref)}`),
    ok: [200, 404, 409],
  });
}
