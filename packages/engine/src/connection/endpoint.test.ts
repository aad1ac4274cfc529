import { ValidationError } from '@imagebuild/core';
import { describe, expect, it } from 'vitest';
import { displayEndpoint, modemOptions } from './endpoint.js';
import { compareVersions, negotiate } from './negotiate.js';

describe('modemOptions', () => {
  it('unix sockets and bare paths', () => {
    expect(modemOptions({ url: 'unix:///tmp/a.sock' })).toMatchObject({ socketPath: '/tmp/a.sock', host: undefined });
    expect(modemOptions({ url: '/tmp/a.sock' })).toMatchObject({ socketPath: '/tmp/a.sock' });
  });

  it('tcp: http by default, https with TLS material, default ports', () => {
    expect(modemOptions({ url: 'tcp://h:1234' })).toMatchObject({
      host: 'h',
      port: '1234',
      protocol: 'http',
      socketPath: undefined,
    });
    expect(modemOptions({ url: 'tcp://h', tls: { ca: 'CA', cert: 'C', key: 'K' } })).toMatchObject({
      host: 'h',
      port: '2376',
      protocol: 'https',
      ca: 'CA',
      cert: 'C',
      key: 'K',
    });
    expect(modemOptions({ url: 'tcp://[::1]:2375' })).toMatchObject({ host: '::1', port: '2375' });
  });

  it('ssh: user, port, key, agent', () => {
    expect(modemOptions({ url: 'ssh://core@remote:2222', ssh: { privateKey: 'PK', agent: '/agent' } })).toMatchObject({
      protocol: 'ssh',
      host: 'remote',
      port: '2222',
      username: 'core',
      sshOptions: { privateKey: 'PK', agent: '/agent' },
    });
  });

  it('rejects bad URLs with a ValidationError naming engine.url', () => {
    for (const url of ['ftp://h', 'unix://', 'http://h']) {
      const tls = url === 'http://h' ? { ca: 'x' } : undefined;
      const err = (() => {
        try {
          modemOptions({ url, tls });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.path).toBe('engine.url');
    }
  });

  it('display drops the password', () => {
    expect(displayEndpoint({ url: 'ssh://core:secret@h' })).toBe('ssh://core@h');
  });
});

describe('negotiate', () => {
  it('takes the lower API version and recognises podman', () => {
    expect(negotiate({ 'api-version': '1.41', 'libpod-api-version': '4.3.1' })).toEqual({
      kind: 'podman',
      apiVersion: '1.41',
      libpodApiVersion: '4.3.1',
    });
    expect(negotiate({ 'api-version': '1.52' })).toEqual({
      kind: 'docker',
      apiVersion: '1.47',
      libpodApiVersion: undefined,
    });
    expect(negotiate({ 'api-version': '1.30' })).toMatch(/older than the minimum/);
    expect(negotiate({})).toMatch(/without an API-Version/);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareVersions('1.41', '1.41.0')).toBe(0);
  });
});
