import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DialectBuildRequest, DialectPushRequest, EngineConnection, EngineDialect } from '@imagebuild/engine';
import {
  containerHostStrategy,
  dockerHostStrategy,
  podmanRootfulStrategy,
  podmanRootlessStrategy,
  buildContextHeaders,
} from '@imagebuild/engine/dialect';

/**
 * Where a local podman reads per-registry CAs that this process may write: root's podman reads
 * `/etc/containers/certs.d`; a rootless podman (the same user as this process) reads
 * `~/.config/containers/certs.d` first, and a non-root process cannot write `/etc`.
 */
export function podmanCertsDir(uid: number, home: string): string {
  return uid === 0 ? '/etc/containers/certs.d' : join(home, '.config/containers/certs.d');
}

/**
 * podman's dialect: builds through the libpod build endpoint (RUN isolation selectable; the compat
 * endpoint always uses runc), pushes through the libpod push endpoint. Both honour `tlsVerify` per
 * request (overriding registries.conf `insecure`); CAs come from `certs.d` (see {@link podmanCertsDir}).
 */
export const podmanDialect: EngineDialect = {
  kind: 'podman',
  strategies: [containerHostStrategy, podmanRootfulStrategy, podmanRootlessStrategy, dockerHostStrategy],
  certsDir: podmanCertsDir(process.getuid?.() ?? 0, homedir()),
  registryTlsMode: async () => 'per-request',

  startBuild(conn: EngineConnection, req: DialectBuildRequest): Promise<Readable> {
    return conn.stream({
      method: 'POST',
      path: conn.libpod('/build'),
      query: {
        t: req.tag,
        dockerfile: req.containerfile,
        buildargs: JSON.stringify(req.buildArgs),
        labels: JSON.stringify(req.labels),
        annotations: JSON.stringify(Object.entries(req.annotations).map(([k, v]) => `${k}=${v}`)),
        tlsVerify: req.pullTlsVerify,
        isolation: req.isolation ?? 'chroot',
        nocache: req.noCache,
        platform: req.platform,
        networkmode: req.networkMode,
        // No step cache, as `--layers=false`: a job's layers go when it ends, so the cache could only
        // hand one running job's layer to another; each step's diff is not committed; and buildah
        // before 1.43 fails the lookup while another build removes a layer ("getting top layer
        // info: layer not known", containers/buildah#5674). The final image alone is committed.
        layers: false,
        rm: true,
        forcerm: true,
      },
      body: req.context,
      headers: buildContextHeaders(req.registryConfig),
      signal: req.signal,
    });
  },

  startPush(conn: EngineConnection, req: DialectPushRequest): Promise<Readable> {
    return conn.stream({
      method: 'POST',
      path: conn.libpod(`/images/${encodeURIComponent(req.image)}/push`),
      query: { destination: req.destination, tlsVerify: req.tlsVerify, quiet: false },
      headers: { 'X-Registry-Auth': req.registryAuth },
      signal: req.signal,
    });
  },
};
