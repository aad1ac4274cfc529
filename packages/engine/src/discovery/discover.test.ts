import { RuntimeNotFoundError } from '@imagebuild/core/errors';
import { describe, expect, it } from 'vitest';
import type { EngineEndpoint } from '../connection/endpoint.js';
import { containerHostStrategy } from './container-host-strategy.js';
import { discoverEngine } from './discover.js';
import { dockerContextStrategy } from './docker-context-strategy.js';
import { dockerHostStrategy } from './docker-host-strategy.js';
import { dockerSocketStrategy } from './docker-socket-strategy.js';
import { explicitStrategy } from './explicit-strategy.js';
import { podmanRootfulStrategy } from './podman-rootful-strategy.js';
import { podmanRootlessStrategy } from './podman-rootless-strategy.js';
import type { DiscoveryEnvironment } from './types.js';

function ctx(env: Record<string, string>, files: Record<string, string> = {}, uid = 1000): DiscoveryEnvironment {
  return {
    env,
    homedir: '/home/u',
    uid,
    fs: {
      exists: (p) => p in files,
      readFile: (p) => files[p],
      readdir: (p) => [
        ...new Set(
          Object.keys(files)
            .filter((f) => f.startsWith(`${p}/`))
            .map((f) => f.slice(p.length + 1).split('/')[0] ?? ''),
        ),
      ],
    },
  };
}

const ALL = [
  dockerHostStrategy,
  containerHostStrategy,
  dockerContextStrategy,
  podmanRootfulStrategy,
  podmanRootlessStrategy,
  dockerSocketStrategy,
];

describe('discoverEngine', () => {
  it('fails with RuntimeNotFoundError listing every strategy and why', async () => {
    const err = await discoverEngine({
      strategies: ALL,
      environment: ctx({}),
      connect: () => Promise.reject(new Error('unreachable')),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeNotFoundError);
    const attempts = (err as RuntimeNotFoundError).attempts;
    expect(attempts.map((a) => a.strategy)).toEqual([
      'DOCKER_HOST',
      'CONTAINER_HOST',
      'docker context',
      'rootful podman socket',
      'rootless podman socket',
      'default docker socket',
    ]);
    expect(attempts[0]?.reason).toBe('DOCKER_HOST is not set');
    expect(attempts[4]).toMatchObject({ target: '/run/user/1000/podman/podman.sock', reason: 'socket does not exist' });
    expect((err as Error).message).toContain('default docker socket (/var/run/docker.sock): socket does not exist');
  });

  it('records a failed connection and moves on to the next strategy', async () => {
    const tried: string[] = [];
    const seen: string[] = [];
    const found = await discoverEngine({
      strategies: ALL,
      environment: ctx(
        { DOCKER_HOST: 'tcp://10.0.0.1:2375', XDG_RUNTIME_DIR: '/run/user/7' },
        { '/run/user/7/podman/podman.sock': '' },
      ),
      connect: (ep: EngineEndpoint) => {
        tried.push(ep.url);
        return ep.url.startsWith('tcp')
          ? Promise.reject(new Error('ECONNREFUSED'))
          : Promise.resolve({ info: { kind: 'podman' } });
      },
      onAttempt: (a) => seen.push(`${a.strategy}:${a.ok}`),
    });
    expect(tried).toEqual(['tcp://10.0.0.1:2375', 'unix:///run/user/7/podman/podman.sock']);
    expect(found.strategy).toBe('rootless podman socket');
    expect(found.attempts[0]).toMatchObject({ strategy: 'DOCKER_HOST', reason: 'ECONNREFUSED', ok: false });
    expect(seen.at(-1)).toBe('rootless podman socket:true');
  });

  it('skips an engine of the wrong kind', async () => {
    const err = await discoverEngine({
      strategies: [explicitStrategy('unix:///x.sock')],
      expect: 'podman',
      environment: ctx({}),
      connect: () => Promise.resolve({ info: { kind: 'docker' } }),
    }).catch((e: unknown) => e);
    expect((err as RuntimeNotFoundError).attempts[0]).toMatchObject({
      strategy: 'explicit',
      reason: 'found docker, need podman',
    });
  });
});

describe('strategies', () => {
  it('DOCKER_HOST applies DOCKER_TLS_VERIFY and DOCKER_CERT_PATH to tcp URLs', () => {
    const r = dockerHostStrategy.resolve(
      ctx(
        { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' },
        { '/c/ca.pem': 'CA', '/c/cert.pem': 'CERT', '/c/key.pem': 'KEY' },
      ),
    );
    expect(r).toEqual({
      endpoint: { url: 'tcp://h:2376', tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } },
      target: 'tcp://h:2376',
    });
    expect(dockerHostStrategy.resolve(ctx({ DOCKER_HOST: 'unix:///s.sock', DOCKER_TLS_VERIFY: '1' }))).toEqual({
      endpoint: { url: 'unix:///s.sock' },
      target: 'unix:///s.sock',
    });
  });

  it('CONTAINER_HOST with ssh reads the key named by CONTAINER_SSHKEY', () => {
    const r = containerHostStrategy.resolve(
      ctx({ CONTAINER_HOST: 'ssh://core@h:22/run/podman/podman.sock', CONTAINER_SSHKEY: '/k' }, { '/k': 'PRIVATE' }),
    );
    expect(r).toMatchObject({
      endpoint: { url: 'ssh://core@h:22/run/podman/podman.sock', ssh: { privateKey: 'PRIVATE' } },
    });
  });

  it('docker context: reads currentContext and its meta.json endpoint and TLS files', () => {
    const files = {
      '/home/u/.docker/config.json': JSON.stringify({ currentContext: 'remote' }),
      '/home/u/.docker/contexts/meta/aaa/meta.json': JSON.stringify({
        Name: 'other',
        Endpoints: { docker: { Host: 'unix:///o' } },
      }),
      '/home/u/.docker/contexts/meta/bbb/meta.json': JSON.stringify({
        Name: 'remote',
        Endpoints: { docker: { Host: 'tcp://r:2376' } },
      }),
      '/home/u/.docker/contexts/tls/bbb/docker/ca.pem': 'CA',
    };
    expect(dockerContextStrategy.resolve(ctx({}, files))).toEqual({
      endpoint: { url: 'tcp://r:2376', tls: { ca: 'CA', cert: undefined, key: undefined } },
      target: 'context remote: tcp://r:2376',
    });
    expect(dockerContextStrategy.resolve(ctx({ DOCKER_CONTEXT: 'other' }, files))).toMatchObject({
      endpoint: { url: 'unix:///o' },
    });
    expect(dockerContextStrategy.resolve(ctx({ DOCKER_CONTEXT: 'nope' }, files))).toMatchObject({
      skip: expect.stringContaining('"nope" not found'),
    });
    expect(dockerContextStrategy.resolve(ctx({ DOCKER_CONTEXT: 'default' }, files))).toMatchObject({
      skip: 'current context is "default"',
    });
    expect(dockerContextStrategy.resolve(ctx({}))).toMatchObject({ skip: 'no docker config.json' });
  });

  it('podman sockets: rootful path, rootless from XDG_RUNTIME_DIR or uid', () => {
    expect(podmanRootfulStrategy.resolve(ctx({}, { '/run/podman/podman.sock': '' }))).toMatchObject({
      endpoint: { url: 'unix:///run/podman/podman.sock' },
    });
    expect(
      podmanRootlessStrategy.resolve(ctx({ XDG_RUNTIME_DIR: '/x' }, { '/x/podman/podman.sock': '' })),
    ).toMatchObject({
      endpoint: { url: 'unix:///x/podman/podman.sock' },
    });
    expect(podmanRootlessStrategy.resolve(ctx({}, {}, 42))).toMatchObject({
      target: '/run/user/42/podman/podman.sock',
    });
  });
});
