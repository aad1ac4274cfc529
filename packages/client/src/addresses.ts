/**
 * Where a Flight Control deployment serves the image-builder API, given its core API URL
 * (the rule `flightctl login` uses):
 * - `https://api.<domain>` (port 443/80 or none) → `https://imagebuilder-api.<domain>` (OpenShift route);
 * - port 3443 → the same host on port 8445 (standalone, legacy port);
 * - anything else → `<scheme>://<host>/_/imagebuilder` (behind the gateway).
 */
export function deriveImageBuilderUrl(coreApiUrl: string): string {
  const url = new URL(coreApiUrl);
  const defaultPort = url.port === '' || url.port === '443' || url.port === '80';
  if (url.hostname.startsWith('api.') && defaultPort) {
    return `${url.protocol}//imagebuilder-api.${url.hostname.slice(4)}${url.port ? `:${url.port}` : ''}`;
  }
  if (url.port === '3443') return `${url.protocol}//${hostForUrl(url.hostname)}:8445`;
  return `${url.protocol}//${url.host}/_/imagebuilder`;
}

function hostForUrl(hostname: string): string {
  return hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
}
