/** Highest Docker API version this SDK speaks. Docker Engine 29 refuses clients below 1.44. */
export const MAX_API_VERSION = '1.47';
/** Lowest Docker API version this SDK accepts (Docker 19.03 / podman 4 compat). */
export const MIN_API_VERSION = '1.40';

/** What `/_ping` tells about an engine. */
export interface PingFacts {
  /** `podman` when `Libpod-API-Version` is present, else `docker`. */
  kind: 'docker' | 'podman';
  /** Negotiated Docker API version (`min(ours, engine's)`). */
  apiVersion: string;
  /** Libpod API version from `Libpod-API-Version` (podman only). */
  libpodApiVersion: string | undefined;
}

/** Compares dotted versions numerically (`1.9` < `1.41`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Negotiates from the `/_ping` response headers: the API version is the lower of ours and the
 * engine's `API-Version`; podman is recognised by `Libpod-API-Version`. Returns a reason string
 * when the engine is too old or says nothing usable.
 */
export function negotiate(headers: Readonly<Record<string, string | string[] | undefined>>): PingFacts | string {
  const header = (name: string): string | undefined => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const engineApi = header('API-Version');
  const libpod = header('Libpod-API-Version');
  if (!engineApi) return '/_ping answered without an API-Version header (not a Docker-compatible engine?)';
  if (compareVersions(engineApi, MIN_API_VERSION) < 0) {
    return `engine API version ${engineApi} is older than the minimum ${MIN_API_VERSION}`;
  }
  const apiVersion = compareVersions(engineApi, MAX_API_VERSION) < 0 ? engineApi : MAX_API_VERSION;
  return { kind: libpod ? 'podman' : 'docker', apiVersion, libpodApiVersion: libpod };
}
