import { socketIfPresent } from './socket-file.js';
import type { DiscoveryStrategy } from './types.js';

/** Rootless podman's socket, `$XDG_RUNTIME_DIR/podman/podman.sock` (else `/run/user/<uid>/…`). */
export const podmanRootlessStrategy: DiscoveryStrategy = {
  name: 'rootless podman socket',
  resolve(ctx) {
    const runtimeDir = ctx.env['XDG_RUNTIME_DIR'] || (ctx.uid === undefined ? undefined : `/run/user/${ctx.uid}`);
    if (!runtimeDir) return { skip: 'XDG_RUNTIME_DIR is not set and the uid is unknown' };
    return socketIfPresent(ctx, `${runtimeDir}/podman/podman.sock`);
  },
};
