import type { EngineConnection } from '@imagebuild/engine';
import { describe, expect, it } from 'vitest';
import { dockerRegistryTlsMode } from './docker-registry-tls.js';

const conn = (config: unknown): EngineConnection =>
  ({ compat: (p: string) => p, json: async () => ({ RegistryConfig: config }) }) as unknown as EngineConnection;
const mode = (config: unknown, registry: string) =>
  dockerRegistryTlsMode(conn(config), registry, AbortSignal.timeout(5000));

describe('dockerRegistryTlsMode', () => {
  const defaults = { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: { 'docker.io': { Secure: true } } };

  it('loopback registries are insecure by dockerd default; others are verified', async () => {
    expect(await mode(defaults, '127.0.0.1:5443')).toBe('insecure');
    expect(await mode(defaults, 'localhost:5000')).toBe('insecure');
    expect(await mode(defaults, '192.0.2.2:5000')).toBe('verify');
    expect(await mode(defaults, '[::1]:5000')).toBe('verify');
  });

  it('honours insecure-registries entries and CIDRs', async () => {
    expect(
      await mode({ ...defaults, IndexConfigs: { 'reg.example:5000': { Secure: false } } }, 'reg.example:5000'),
    ).toBe('insecure');
    expect(await mode({ InsecureRegistryCIDRs: ['192.0.2.0/24'] }, '192.0.2.2:5000')).toBe('insecure');
    expect(await mode({ InsecureRegistryCIDRs: ['2001:db8::/32'] }, '[2001:db8::1]:5000')).toBe('insecure');
    expect(await mode({}, '192.0.2.2:5000')).toBe('verify');
  });
});
