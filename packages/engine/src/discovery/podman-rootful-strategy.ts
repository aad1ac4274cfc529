import { socketIfPresent } from './socket-file.js';
import type { DiscoveryStrategy } from './types.js';

/** Rootful podman's default socket, `/run/podman/podman.sock`. */
export const podmanRootfulStrategy: DiscoveryStrategy = {
  name: 'rootful podman socket',
  resolve: (ctx) => socketIfPresent(ctx, '/run/podman/podman.sock'),
};
