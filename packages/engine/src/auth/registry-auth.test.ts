import type { Repository } from '@imagebuild/core';
import { redactText } from '@imagebuild/core/errors';
import { describe, expect, it } from 'vitest';
import { registryAuthHeader, registryConfigHeader, repositoryCaPem, urlSafeBase64 } from './registry-auth.js';

const repo = (registry: string, auth?: { username: string; password: string }, ca?: string): Repository =>
  ({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: registry },
    spec: {
      type: 'oci',
      registry,
      scheme: 'https',
      accessMode: 'ReadWrite',
      ...(auth ? { ociAuth: { authType: 'docker', ...auth } } : {}),
      ...(ca ? { 'ca.crt': ca } : {}),
    },
  }) as Repository;

const decode = (h: string): unknown =>
  JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));

describe('registry auth headers', () => {
  it('URL-safe base64 keeps the padding', () => {
    expect(urlSafeBase64('\u00ff\u00fe?>')).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(urlSafeBase64('a')).toBe('YQ==');
    expect(urlSafeBase64('??>')).toBe('Pz8-');
  });

  it('X-Registry-Auth carries credentials, and is sent even for anonymous registries', () => {
    expect(decode(registryAuthHeader(repo('r:5443', { username: 'u', password: 'p?>p' })))).toEqual({
      username: 'u',
      password: 'p?>p',
      serveraddress: 'r:5443',
    });
    expect(decode(registryAuthHeader(repo('r:5000')))).toEqual({ serveraddress: 'r:5000' });
  });

  it('registers passwords for redaction', () => {
    registryAuthHeader(repo('r', { username: 'u', password: 'canary-Secret-42' }));
    expect(redactText('oops canary-Secret-42')).not.toContain('canary-Secret-42');
  });

  it('X-Registry-Config maps registries with credentials only', () => {
    expect(registryConfigHeader([repo('a:1'), repo('b:2')])).toBeUndefined();
    expect(decode(registryConfigHeader([repo('a:1'), repo('b:2', { username: 'u', password: 'pw12' })])!)).toEqual({
      'b:2': { username: 'u', password: 'pw12', serveraddress: 'b:2' },
    });
  });

  it('decodes the base64 CA', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n';
    expect(repositoryCaPem(repo('r', undefined, Buffer.from(pem).toString('base64')))).toBe(pem);
  });
});
