import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ApiError,
  BuildError,
  ConversionError,
  IllegalTransitionError,
  RegistryError,
  RuntimeNotFoundError,
  SdkError,
  ValidationError,
  isSdkError,
  toSdkError,
  EngineError,
} from './index.js';
import { REDACTED, redact, redactText, registerSecret, unregisterSecret, isSecretKey } from './redact.js';

describe('SdkError hierarchy', () => {
  it('gives every subclass a stable code, its name and instanceof both ways', () => {
    const cases: [SdkError, string][] = [
      [new ValidationError([{ path: 'a.b', message: 'is required' }]), 'VALIDATION'],
      [new IllegalTransitionError('ImageBuild', 'Completed', 'Building'), 'ILLEGAL_TRANSITION'],
      [new ApiError(409, 'conflict', { reason: 'Conflict' }), 'API'],
      [new RegistryError('127.0.0.1:5000', 'push', 'denied', { status: 403, ociCodes: ['DENIED'] }), 'REGISTRY'],
      [new EngineError('podman', 'gone'), 'ENGINE'],
      [new RuntimeNotFoundError([{ strategy: 'env', reason: 'unset' }]), 'RUNTIME_NOT_FOUND'],
      [new BuildError('RUN failed', { logTail: ['x'] }), 'BUILD'],
      [new ConversionError('bib failed', { exitCode: 1 }), 'CONVERSION'],
      [new AbortError(), 'ABORTED'],
    ];
    for (const [err, code] of cases) {
      expect(err.code).toBe(code);
      expect(err).toBeInstanceOf(SdkError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(err.constructor.name);
      expect(isSdkError(err)).toBe(true);
      expect(err.toJSON()).toMatchObject({ code, name: err.name });
    }
    expect(
      new ValidationError(
        [
          { path: 'spec.x', message: 'is required' },
          { path: '', message: 'bad' },
        ],
        { subject: 'ImageBuild "b"' },
      ).message,
    ).toBe('ImageBuild "b" is invalid: spec.x: is required; bad');
    expect(new IllegalTransitionError('ImageExport', 'Pending', 'Pushing').message).toBe(
      'ImageExport cannot move from Pending to Pushing',
    );
    expect(new RegistryError('r:5000', 'push', 'denied').message).toBe('push on r:5000: denied');
  });

  it('recognises an SdkError from another copy of the package by its brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'BUILD' });
    Object.defineProperty(foreign, Symbol.for('@imagebuild/core/SdkError'), { value: true });
    expect(foreign instanceof SdkError).toBe(true);
    expect(isSdkError(new Error('plain'))).toBe(false);
    expect(isSdkError(null)).toBe(false);
  });

  it('redacts credentials from message, details and cause', () => {
    registerSecret('p4ssw0rd-value');
    try {
      const cause = new Error('login failed for p4ssw0rd-value');
      const err = new ApiError(401, 'Authorization: Bearer abcdefghijklmnop failed; pass p4ssw0rd-value', {
        cause,
        details: { password: 'other', nested: { token: 't', clientKey: 'k', user: 'u' }, url: 'https://u:pw@host/x' },
      });
      const text = `${err.message} ${JSON.stringify(err.details)} ${String((err.cause as Error).message)}`;
      expect(text).not.toContain('p4ssw0rd-value');
      expect(text).not.toContain('abcdefghijklmnop');
      expect(text).not.toContain(':pw@');
      expect(err.details).toEqual({
        password: REDACTED,
        nested: { token: REDACTED, clientKey: REDACTED, user: 'u' },
        url: `https://u:${REDACTED}@host/x`,
      });
    } finally {
      unregisterSecret('p4ssw0rd-value');
    }
    expect(redactText('p4ssw0rd-value')).toBe('p4ssw0rd-value');
  });

  it('masks PEM private keys and the base64 form of registered secrets', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----';
    expect(redactText(`key: ${pem}`)).toBe(
      `key: -----BEGIN EC PRIVATE KEY-----${REDACTED}-----END EC PRIVATE KEY-----`,
    );
    registerSecret('another-secret');
    try {
      expect(redactText(`auth ${Buffer.from('another-secret').toString('base64')}`)).not.toContain(
        Buffer.from('another-secret').toString('base64').replace(/=+$/, ''),
      );
    } finally {
      unregisterSecret('another-secret');
    }
    expect(isSecretKey('client-key-data')).toBe(true);
    expect(isSecretKey('clientKey')).toBe(true);
    expect(isSecretKey('authType')).toBe(false);
    expect(isSecretKey('username')).toBe(false);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
  });

  it('toSdkError keeps SdkErrors and wraps anything else', () => {
    const e = new BuildError('x');
    expect(toSdkError(e, () => new EngineError('e', 'no'))).toBe(e);
    const wrapped = toSdkError('boom', (m, cause) => new EngineError('docker', m, { cause }));
    expect(wrapped).toBeInstanceOf(EngineError);
    expect(wrapped.message).toBe('docker: boom');
  });
});
