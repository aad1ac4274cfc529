import { endpointFromEnvUrl } from './env-url.js';
import type { DiscoveryStrategy } from './types.js';

/** `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` for tcp). */
export const dockerHostStrategy: DiscoveryStrategy = {
  name: 'DOCKER_HOST',
  resolve(ctx) {
    const url = ctx.env['DOCKER_HOST'];
    if (!url) return { skip: 'DOCKER_HOST is not set' };
    return { endpoint: endpointFromEnvUrl(ctx, url), target: url };
  },
};
