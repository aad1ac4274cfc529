import { createHash } from 'node:crypto';
import { CONTAINERFILE_GENERATOR_VERSION, type ContextFile } from '@imagebuild/core/containerfile';
import type { ImageBuildSpec } from '@imagebuild/core/resources';
import { BUILD_KEY_LABEL, type BuildResult } from '@imagebuild/core/runner';
import type { RegistryAccess } from '../registry/registry-access.js';
import type { PinnedSource } from './source-pin.js';

/** OCI labels (and annotations) naming the image a build is based on. */
export const BASE_NAME_LABEL = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';

/** Version of the key's own layout (part of the key). */
const KEY_SCHEMA = 1;

/** JSON with object keys sorted and undefined members dropped: equal values, equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a build's output depends on. */
export interface BuildKeyInput {
  spec: ImageBuildSpec;
  source: PinnedSource;
  platform: string;
  /** The build context: Containerfile, enrollment config, public key, local agent RPMs. */
  files: readonly ContextFile[];
  /** The build arguments (agent repository URL, enabled repo, dnf options, the pinned source). */
  buildArgs: Readonly<Record<string, string>>;
}

/**
 * The build key: sha256 over the normalized spec, the resolved source digest, the platform, the
 * enrollment config, the agent source and the generator version (the context files' digests and
 * the build arguments carry the last three). Equal keys build the same image.
 */
export function buildKey(input: BuildKeyInput): string {
  const files = input.files.map((f) => ({
    path: f.path,
    mode: f.mode,
    sha256: createHash('sha256').update(f.content).digest('hex'),
  }));
  const text = canonical({
    schema: KEY_SCHEMA,
    generator: CONTAINERFILE_GENERATOR_VERSION,
    spec: input.spec,
    source: { name: input.source.name, digest: input.source.digest },
    platform: input.platform,
    files,
    buildArgs: input.buildArgs,
  });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Whether the image at the destination can stand for this build, and why (for the build log). */
export type ReuseDecision = { reuse: true; result: BuildResult; reason: string } | { reuse: false; reason: string };

/**
 * Compares the key with the label of the image at the destination tag: equal → that image is the
 * build's result; otherwise says what differs (nothing there, not ours, the source tag moved, or
 * some other input changed).
 */
export async function decideReuse(
  access: RegistryAccess,
  dest: { reference: string; repository: string; tag: string },
  key: string,
  source: PinnedSource,
  platform: string,
  signal: AbortSignal,
): Promise<ReuseDecision> {
  const found = await access.imageLabels(dest.repository, dest.tag, platform, signal);
  if (!found) return { reuse: false, reason: `no image at ${dest.reference} yet` };
  const labels = found.labels;
  const theirs = labels[BUILD_KEY_LABEL];
  if (theirs === undefined)
    return { reuse: false, reason: `the image at ${dest.reference} has no ${BUILD_KEY_LABEL} label` };
  if (theirs === key) {
    return {
      reuse: true,
      reason: `the image at ${dest.reference} (${found.manifest.digest}) has the same build key ${key} (same spec, source ${source.digest}, enrollment config, agent source and generator version ${CONTAINERFILE_GENERATOR_VERSION})`,
      result: {
        reference: dest.reference,
        manifestDigest: found.manifest.digest,
        platformManifestDigest: found.platformManifest.digest,
        platform,
      },
    };
  }
  const base = labels[BASE_DIGEST_LABEL];
  if (labels[BASE_NAME_LABEL] === source.name && base !== undefined && base !== source.digest)
    return { reuse: false, reason: `the source tag ${source.name} moved from ${base} to ${source.digest}` };
  return {
    reuse: false,
    reason: `the build key differs from the image at ${dest.reference} (spec, enrollment config, agent source or generator version changed)`,
  };
}
