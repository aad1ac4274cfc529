import type { CallOptions } from '@imagebuild/core/operation';

/** How `RegistryClient.listReferrers` filters the referrers of a subject. */
export interface ListReferrersOptions extends CallOptions {
  /** Only referrers with this artifactType. */
  artifactType?: string | undefined;
}

/** The referrers tag schema's tag for a subject digest: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}
