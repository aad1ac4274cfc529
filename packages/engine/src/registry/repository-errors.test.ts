import { AbortError, parseRepository } from '@imagebuild/core';
import { RegistryError } from '@imagebuild/core/errors';
import { describe, expect, it } from 'vitest';
import { repositoryError, repositoryLabel } from './repository-errors.js';

const repo = parseRepository({
  apiVersion: 'flightctl.io/v1beta1',
  kind: 'Repository',
  metadata: { name: 'dst' },
  spec: { type: 'oci', registry: '127.0.0.1:5443', scheme: 'https', accessMode: 'ReadWrite' },
});

describe('repositoryError', () => {
  it('names the Repository and its registry once, keeps status and codes, trims trailing newlines', () => {
    const cause = new RegistryError('127.0.0.1:5443', 'blob upload start x', 'HTTP 401 unauthorized\n', {
      status: 401,
      ociCodes: ['UNAUTHORIZED'],
    });
    const err = repositoryError(repo, 'push access check to x', cause) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toBe(
      'push access check to x for Repository "dst" on 127.0.0.1:5443: blob upload start x: HTTP 401 unauthorized',
    );
    expect(err.status).toBe(401);
    expect(err.ociCodes).toEqual(['UNAUTHORIZED']);
    expect(err.cause).toBe(cause);
    expect(repositoryLabel(repo)).toBe('Repository "dst" (127.0.0.1:5443)');
  });

  it('lets an abort through unchanged', () => {
    const abort = new AbortError();
    expect(repositoryError(repo, 'x', abort)).toBe(abort);
  });
});
