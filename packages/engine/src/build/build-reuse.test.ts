import { parseImageBuild } from '@imagebuild/core';
import type { ContextFile } from '@imagebuild/core/containerfile';
import { BUILD_KEY_LABEL } from '@imagebuild/core/runner';
import { describe, expect, it } from 'vitest';
import type { RegistryAccess } from '../registry/registry-access.js';
import { BASE_DIGEST_LABEL, BASE_NAME_LABEL, buildKey, decideReuse, type BuildKeyInput } from './build-reuse.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const spec = parseImageBuild({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageBuild',
  metadata: { name: 'b' },
  spec: {
    source: { repository: 'src', imageName: 'base', imageTag: 'v1' },
    destination: { repository: 'dst', imageName: 'out', imageTag: 't' },
    binding: { type: 'early' },
  },
}).spec;
const file = (path: string, text: string): ContextFile => ({ path, mode: 0o600, content: Buffer.from(text) });
const input = (o: Partial<BuildKeyInput> = {}): BuildKeyInput => ({
  spec,
  source: { name: 'r/base:v1', digest: D1, pinned: `r/base@${D1}` },
  platform: 'linux/amd64',
  files: [file('Containerfile', 'FROM x'), file('agent-config.yaml', 'enrollment-1')],
  buildArgs: { SOURCE_IMAGE: `r/base@${D1}`, RPM_REPO_URL: 'https://a/repo' },
  ...o,
});

describe('buildKey', () => {
  it('is stable over key order and changes with every input', () => {
    const k = buildKey(input());
    expect(k).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = { binding: spec.binding, destination: spec.destination, source: spec.source };
    expect(buildKey(input({ spec: reordered as typeof spec }))).toBe(k);
    const variants = [
      input({ source: { name: 'r/base:v1', digest: D2, pinned: `r/base@${D2}` } }),
      input({ spec: { ...spec, onboarding: true } }),
      input({ files: [file('Containerfile', 'FROM x'), file('agent-config.yaml', 'enrollment-2')] }),
      input({ files: [file('Containerfile', 'FROM y'), file('agent-config.yaml', 'enrollment-1')] }),
      input({ buildArgs: { SOURCE_IMAGE: `r/base@${D1}`, RPM_REPO_URL: 'https://b/repo' } }),
      input({ platform: 'linux/arm64' }),
    ];
    const keys = new Set([k, ...variants.map(buildKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });
});

function access(labels: Record<string, string> | undefined): RegistryAccess {
  const m = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D2, size: 1 };
  return {
    imageLabels: async () => labels && { manifest: m, platformManifest: m, labels },
  } as unknown as RegistryAccess;
}

describe('decideReuse', () => {
  const dest = { reference: 'r/out:t', repository: 'out', tag: 't' };
  const source = { name: 'r/base:v1', digest: D1, pinned: `r/base@${D1}` };
  const decide = (labels: Record<string, string> | undefined, key = 'k1') =>
    decideReuse(access(labels), dest, key, source, 'linux/amd64', AbortSignal.timeout(1000));

  it('reuses the image whose key label is equal, with its digests', async () => {
    const d = await decide({ [BUILD_KEY_LABEL]: 'k1' });
    expect(d.reuse).toBe(true);
    if (d.reuse)
      expect(d.result).toEqual({
        reference: 'r/out:t',
        manifestDigest: D2,
        platformManifestDigest: D2,
        platform: 'linux/amd64',
      });
  });

  it('says why it builds', async () => {
    expect(await decide(undefined)).toEqual({ reuse: false, reason: 'no image at r/out:t yet' });
    expect(await decide({})).toEqual({ reuse: false, reason: `the image at r/out:t has no ${BUILD_KEY_LABEL} label` });
    expect(await decide({ [BUILD_KEY_LABEL]: 'k0', [BASE_NAME_LABEL]: 'r/base:v1', [BASE_DIGEST_LABEL]: D2 })).toEqual({
      reuse: false,
      reason: `the source tag r/base:v1 moved from ${D2} to ${D1}`,
    });
    const other = await decide({ [BUILD_KEY_LABEL]: 'k0', [BASE_NAME_LABEL]: 'r/base:v1', [BASE_DIGEST_LABEL]: D1 });
    expect(other.reuse).toBe(false);
    expect(other.reason).toMatch(/^the build key differs/);
  });
});
