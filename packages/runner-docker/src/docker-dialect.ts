import type { Readable } from 'node:stream';
import { parseImageRef } from '@imagebuild/core/refs';
import type { DialectBuildRequest, DialectPushRequest, EngineConnection, EngineDialect } from '@imagebuild/engine';
import {
  dockerContextStrategy,
  dockerHostStrategy,
  dockerSocketStrategy,
  buildContextHeaders,
} from '@imagebuild/engine/dialect';
import { buildkitNetworkMode, chooseDockerBuilder } from './docker-builder.js';
import { dockerRegistryTlsMode } from './docker-registry-tls.js';

/**
 * Docker Engine's dialect: `/build` with BuildKit where it can pull the source (see
 * `chooseDockerBuilder`) or the classic builder, and `/images/{name}/push` with the mandatory `X-Registry-Auth`. TLS
 * trust is the daemon's own policy (insecure-registries; per-registry CAs in
 * `/etc/docker/certs.d`), read from `/info`.
 */
export const dockerDialect: EngineDialect = {
  kind: 'docker',
  strategies: [dockerHostStrategy, dockerContextStrategy, dockerSocketStrategy],
  certsDir: '/etc/docker/certs.d',
  registryTlsMode: dockerRegistryTlsMode,
  chooseBuilder: chooseDockerBuilder,

  async startBuild(conn: EngineConnection, req: DialectBuildRequest): Promise<Readable> {
    const query = {
      t: req.tag,
      dockerfile: req.containerfile,
      buildargs: JSON.stringify(req.buildArgs),
      labels: JSON.stringify(req.labels),
      nocache: req.noCache,
      platform: req.platform,
      rm: true,
      forcerm: true,
    };
    // One request for both builders. BuildKit gets no client session: the uploaded context needs
    // none, and source credentials (which it takes only from one) make chooseDockerBuilder pick classic.
    const buildkit = req.builder === 'buildkit';
    return conn.stream({
      method: 'POST',
      path: conn.compat('/build'),
      query: {
        ...query,
        networkmode: buildkit ? (req.networkMode ?? (await buildkitNetworkMode(conn, req.signal))) : req.networkMode,
        ...(buildkit ? { version: '2' } : {}),
      },
      body: req.context,
      headers: buildContextHeaders(req.registryConfig),
      signal: req.signal,
    });
  },

  startPush(conn: EngineConnection, req: DialectPushRequest): Promise<Readable> {
    // Docker's push endpoint takes the name in the path and the tag apart; an untagged name means latest.
    const ref = parseImageRef(req.destination);
    const name = `${ref.registry}/${ref.repository}`;
    const tag = ref.tag ?? 'latest';
    return conn.stream({
      method: 'POST',
      path: conn.compat(`/images/${encodeURIComponent(name)}/push`),
      query: { tag },
      headers: { 'X-Registry-Auth': req.registryAuth },
      signal: req.signal,
    });
  },
};
