import type { Repository } from '@imagebuild/core';
import { DigestMismatchError, EngineError, PushError, RegistryError, redactText } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import { parseImageRef } from '@imagebuild/core/refs';
import type { BuildProgress, BuildResult } from '@imagebuild/core/runner';
import { registryAuthHeader } from '../auth/registry-auth.js';
import { repositoryError, repositoryLabel } from '../registry/repository-errors.js';
import type { BuildDeps } from './run-build.js';
import { inBandError, jsonMessages } from '../stream/json-messages.js';

export interface PushJob {
  /** Local image reference, equal to the destination `registry/name:tag`. */
  image: string;
  repository: Repository;
  /** Verify the registry's certificate (false only for `scheme: http` / `skipServerVerification`). */
  tlsVerify: boolean;
  platform: string;
  log(line: string): void;
  progress(p: BuildProgress): void;
  signal: AbortSignal;
}

const DIGEST = /(sha256:[0-9a-f]{64})/;
const SINGLE_MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

/**
 * Pushes the built image with the Repository's credentials (X-Registry-Auth always sent) and TLS
 * settings, parses the push stream for in-band errors, then reads the digests back from the registry.
 */
export async function pushImage(deps: BuildDeps, job: PushJob): Promise<BuildResult> {
  const { conn, dialect } = deps;
  const ref = parseImageRef(job.image);
  const registryName = ref.registry;
  const registry = deps.registries(job.repository);
  try {
    // Credentials, push access and TLS trust were checked before the build (prepareBuild).
    const stream = await dialect.startPush(conn, {
      image: job.image,
      destination: job.image,
      registryAuth: registryAuthHeader(job.repository),
      tlsVerify: job.tlsVerify,
      signal: job.signal,
    });
    let engineDigest: string | undefined;
    const layers = new Set<string>();
    const pushed = new Set<string>();
    try {
      for await (const msg of jsonMessages(stream)) {
        const error = inBandError(msg);
        if (error) throw new PushError(registryName, `${repositoryLabel(job.repository)}: ${redactText(error).trim()}`);
        const aux = msg.aux as { Digest?: unknown } | undefined;
        if (aux && typeof aux.Digest === 'string') engineDigest = aux.Digest;
        const text =
          typeof msg.status === 'string' ? msg.status : typeof msg.stream === 'string' ? msg.stream : undefined;
        if (text === undefined) continue;
        for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
          const status = msg.id ? `${msg.id}: ${line}` : line;
          if (msg.progressDetail?.current === undefined) job.log(status);
          const digest = /digest: (sha256:[0-9a-f]{64})/.exec(line)?.[1];
          if (digest) engineDigest ??= digest;
        }
        if (msg.id && /^[0-9a-f]{12}$/.test(msg.id)) {
          layers.add(msg.id);
          if (/^(Pushed|Layer already exists|Mounted from)/.test(msg.status ?? '')) pushed.add(msg.id);
          if (msg.progressDetail?.current !== undefined && msg.progressDetail.total) {
            job.progress({
              phase: 'Pushing',
              unit: 'bytes',
              done: msg.progressDetail.current,
              total: msg.progressDetail.total,
            });
          } else {
            job.progress({ phase: 'Pushing', unit: 'layers', done: pushed.size, total: layers.size });
          }
        }
      }
    } catch (err) {
      throwIfAborted(job.signal);
      if (err instanceof PushError) throw err;
      throw new EngineError(
        conn.name,
        `connection lost during push: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    throwIfAborted(job.signal);
    const tag = ref.tag ?? 'latest';
    const head = await registry.head(ref.repository, tag, job.signal).catch((err: unknown) => {
      throw repositoryError(job.repository, `read back ${ref.repository}:${tag}`, err);
    });
    if (!head)
      throw new RegistryError(
        registryName,
        `manifest HEAD ${ref.repository}:${tag} for Repository "${job.repository.metadata.name}"`,
        'pushed tag not found after push',
      );
    if (engineDigest && DIGEST.test(engineDigest) && engineDigest !== head.digest && conn.info.kind === 'docker') {
      throw new DigestMismatchError(engineDigest, head.digest, {
        details: { registry: registryName, image: job.image },
      });
    }
    // A single-platform manifest (what both engines push for one build) is its own platform
    // manifest: resolving it again would GET the same bytes. Only an index needs the second request.
    const platformManifest = SINGLE_MANIFEST_TYPES.has(head.mediaType)
      ? head
      : await registry.resolvePlatform(ref.repository, head.digest, job.platform, job.signal).catch((err: unknown) => {
          throw repositoryError(job.repository, `resolve ${ref.repository}@${head.digest}`, err);
        });
    return {
      reference: job.image,
      manifestDigest: head.digest,
      platformManifestDigest: platformManifest.digest,
      platform: job.platform,
    };
  } finally {
    await registry.close().catch(() => undefined);
  }
}
