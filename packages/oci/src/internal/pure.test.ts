import { describe, expect, it } from 'vitest';
import { ValidationError } from '@imagebuild/core';
import { parseWwwAuthenticate } from './www-authenticate.js';
import { backoffDelay, parseRetryAfter } from '@imagebuild/core/retry';
import { DEFAULT_RETRY } from './retry.js';
import { selectPlatform } from './platform.js';
import { registryErrorFromResponse } from './registry-errors.js';
import { RegistryClient } from '../registry-client.js';
import { pushArtifact } from '../push-artifact.js';
import { optionsFromRepository } from '../client-options.js';

describe('parseWwwAuthenticate', () => {
  it('parses bearer params with quoted commas, and several challenges', () => {
    const c = parseWwwAuthenticate(
      'Bearer realm="https://auth.io/token",service="reg",scope="repository:a/b:pull,push", Basic realm="x"',
    );
    expect(c).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.io/token', service: 'reg', scope: 'repository:a/b:pull,push' },
      },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(parseWwwAuthenticate('Basic realm="a \\"q\\""')[0]?.params['realm']).toBe('a "q"');
    expect(parseWwwAuthenticate('')).toEqual([]);
  });
});

describe('retry policy', () => {
  it('honours Retry-After (seconds and date) within the cap, and backs off exponentially', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(backoffDelay(DEFAULT_RETRY, 1, 60_000)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect(backoffDelay(DEFAULT_RETRY, 3, undefined, () => 1)).toBe(800);
    expect(backoffDelay(DEFAULT_RETRY, 3, undefined, () => 0)).toBe(400);
  });
});

describe('selectPlatform', () => {
  const d = (arch: string, variant?: string) => ({
    mediaType: 'm',
    digest: `sha256:${arch}${variant ?? ''}`,
    size: 1,
    platform: { os: 'linux', architecture: arch, ...(variant ? { variant } : {}) },
  });
  it('defaults to linux/amd64, honours variant, and takes a single entry', () => {
    expect(selectPlatform([d('arm64'), d('amd64')])?.digest).toBe('sha256:amd64');
    expect(
      selectPlatform([d('arm', 'v6'), d('arm', 'v7')], { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest,
    ).toBe('sha256:armv7');
    expect(selectPlatform([d('arm64')])?.digest).toBe('sha256:arm64');
    expect(selectPlatform([d('arm64'), d('s390x')])).toBeUndefined();
  });
});

describe('registry errors', () => {
  it('names registry, operation, status and OCI codes; garbage bodies are summarised, not echoed', () => {
    const e = registryErrorFromResponse(
      'r:1',
      'manifest GET a:b',
      404,
      'application/json',
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
    );
    expect(e.message).toBe('manifest GET a:b on r:1: HTTP 404: MANIFEST_UNKNOWN (manifest unknown)');
    expect(e.ociCodes).toEqual(['MANIFEST_UNKNOWN']);
    const g = registryErrorFromResponse('r:1', 'ping', 502, 'text/html', '<html>password=hunter2</html>');
    expect(g.message).not.toContain('hunter2');
    expect(g.status).toBe(502);
  });
});

describe('references and Repository options', () => {
  it("checks a pushArtifact subject with core's parser, reporting problems on `subject`", async () => {
    const client = new RegistryClient({ registry: '127.0.0.1:1', scheme: 'http' });
    const push = (subject: string): Promise<unknown> =>
      pushArtifact(client, { repository: 'a/b', subject, artifactType: 'application/x-test', file: '/none' })
        .done()
        .catch((e: unknown) => e);
    const upper = await push('127.0.0.1:1/a/UPPER:1');
    expect(upper).toBeInstanceOf(ValidationError);
    expect((upper as ValidationError).issues[0]?.path).toBe('subject');
    expect(String((upper as Error).message)).toMatch(/repository/);
    const elsewhere = await push('r.io/a/b:1');
    expect((elsewhere as ValidationError).message).toMatch(/must be in 127\.0\.0\.1:1\/a\/b/);
    const md5 = await push('127.0.0.1:1/a/b@md5:0123456789abcdef0123456789abcdef');
    expect((md5 as ValidationError).issues[0]?.path).toBe('subject (digest)');
    await client.close();
  });
  it('maps a Repository spec (scheme, ociAuth, base64 ca.crt, skipServerVerification)', () => {
    const o = optionsFromRepository({
      spec: {
        registry: 'r.io',
        scheme: 'http',
        ociAuth: { authType: 'docker', username: 'u', password: 'p' },
        'ca.crt': Buffer.from('PEM').toString('base64'),
        skipServerVerification: true,
      },
    });
    expect(o).toMatchObject({
      registry: 'r.io',
      scheme: 'http',
      username: 'u',
      password: 'p',
      ca: 'PEM',
      skipTlsVerify: true,
    });
  });
});

describe('tlsFailureCode', () => {
  it('finds certificate and handshake codes in the cause chain, and nothing in plain network errors', async () => {
    const { tlsFailureCode } = await import('./tls-errors.js');
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(tlsFailureCode(tls)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(tlsFailureCode(new Error('fetch failed', { cause: new Error('x', { cause: tls }) }))).toBe(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    );
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ]) {
      expect(tlsFailureCode(Object.assign(new Error(code), { code }))).toBe(code);
    }
    expect(tlsFailureCode(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(tlsFailureCode('DEPTH_ZERO_SELF_SIGNED_CERT')).toBeUndefined();
  });
});
