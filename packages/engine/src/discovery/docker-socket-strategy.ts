import { socketIfPresent } from './socket-file.js';
import type { DiscoveryStrategy } from './types.js';

/** Docker's default socket, `/var/run/docker.sock`. */
export const dockerSocketStrategy: DiscoveryStrategy = {
  name: 'default docker socket',
  resolve: (ctx) => socketIfPresent(ctx, '/var/run/docker.sock'),
};
