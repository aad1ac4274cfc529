import type { DiscoveryStrategy } from './types.js';

/** Podman's `CONTAINER_HOST` (with `CONTAINER_SSHKEY` / `CONTAINER_PASSPHRASE` for ssh URLs). */
export const containerHostStrategy: DiscoveryStrategy = {
  name: 'CONTAINER_HOST',
  resolve(ctx) {
    const url = ctx.env['CONTAINER_HOST'];
    if (!url) return { skip: 'CONTAINER_HOST is not set' };
    if (url.startsWith('ssh://')) {
      const keyPath = ctx.env['CONTAINER_SSHKEY'];
      const privateKey = keyPath ? ctx.fs.readFile(keyPath) : undefined;
      const passphrase = ctx.env['CONTAINER_PASSPHRASE'];
      return {
        endpoint: {
          url,
          ssh: {
            agent: ctx.env['SSH_AUTH_SOCK'],
            ...(privateKey === undefined ? {} : { privateKey }),
            ...(passphrase ? { passphrase } : {}),
          },
        },
        target: url,
      };
    }
    return { endpoint: { url }, target: url };
  },
};
