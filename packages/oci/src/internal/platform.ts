import type { Descriptor, Platform } from '../types.js';

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Picks the index entry for `platform`. Without a requested platform, an index
 * with a single manifest resolves to it, otherwise linux/amd64 is used.
 */
export function selectPlatform(manifests: readonly Descriptor[], platform?: Platform): Descriptor | undefined {
  if (!platform && manifests.length === 1) return manifests[0];
  const want = platform ?? DEFAULT_PLATFORM;
  return manifests.find((m) => {
    const p = m.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    return want.variant === undefined || p.variant === want.variant;
  });
}
