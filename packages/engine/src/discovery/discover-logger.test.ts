import { createLogger, type LogRecord } from '@imagebuild/core/logger';
import { registerSecret, unregisterSecret } from '@imagebuild/core/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { containerHostStrategy } from './container-host-strategy.js';
import { discoverEngine } from './discover.js';
import { dockerHostStrategy } from './docker-host-strategy.js';
import { podmanRootfulStrategy } from './podman-rootful-strategy.js';
import type { DiscoveryEnvironment } from './types.js';

// A Repository password, registered as the builder registers every Repository credential, and also
// written into an engine URL and an error message: no log record may carry it.
const CANARY = 'canary-Pa55w0rd-7f3e';

const environment: DiscoveryEnvironment = {
  env: { DOCKER_HOST: `tcp://robot:${CANARY}@127.0.0.1:1`, CONTAINER_HOST: 'unix:///nonexistent/podman.sock' },
  homedir: '/home/u',
  uid: 1000,
  fs: { exists: () => false, readFile: () => undefined, readdir: () => [] },
};

describe('discoverEngine logger', () => {
  afterEach(() => unregisterSecret(CANARY));

  it('logs every attempt and the outcome, without the credential', async () => {
    registerSecret(CANARY);
    const records: LogRecord[] = [];
    const logger = createLogger({ level: 'debug', write: (r) => records.push(r) });
    await expect(
      discoverEngine({
        strategies: [dockerHostStrategy, containerHostStrategy, podmanRootfulStrategy],
        environment,
        logger,
        connect: (endpoint) => Promise.reject(new Error(`cannot connect to ${endpoint.url} (password ${CANARY})`)),
      }),
    ).rejects.toThrow();
    const attempts = records.filter((r) => r.message === 'engine discovery attempt');
    expect(attempts.map((r) => [r.level, r.fields.strategy, r.fields.ok])).toEqual([
      ['debug', 'DOCKER_HOST', false],
      ['debug', 'CONTAINER_HOST', false],
      ['debug', 'rootful podman socket', false],
    ]);
    expect(attempts[2]?.fields.reason).toBe('socket does not exist');
    expect(records.at(-1)).toMatchObject({ level: 'info', message: 'no engine found', fields: { attempts: 3 } });
    expect(records.every((r) => r.fields.component === 'discovery')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(CANARY);
  });

  it('logs the strategy that found the engine', async () => {
    const records: LogRecord[] = [];
    const logger = createLogger({ level: 'info', write: (r) => records.push(r) });
    await discoverEngine({
      strategies: [containerHostStrategy],
      environment,
      logger,
      connect: async () => ({ info: { kind: 'podman' } }),
    });
    expect(records).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'engine found',
        fields: expect.objectContaining({ strategy: 'CONTAINER_HOST' }),
      }),
    ]);
  });
});
