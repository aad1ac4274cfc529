import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { formatImageRef, imageReferenceFor, parseImageRef } from './image-ref.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef / formatImageRef', () => {
  it.each([
    ['busybox', 'docker.io', 'library/busybox', undefined, undefined, 'docker.io/library/busybox'],
    ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined, 'docker.io/library/busybox:1.36'],
    ['user/app', 'docker.io', 'user/app', undefined, undefined, 'docker.io/user/app'],
    ['docker.io/busybox', 'docker.io', 'library/busybox', undefined, undefined, 'docker.io/library/busybox'],
    ['index.docker.io/user/app:v1', 'docker.io', 'user/app', 'v1', undefined, 'docker.io/user/app:v1'],
    [
      'quay.io/centos-bootc/centos-bootc:stream9',
      'quay.io',
      'centos-bootc/centos-bootc',
      'stream9',
      undefined,
      'quay.io/centos-bootc/centos-bootc:stream9',
    ],
    ['localhost/bootc-base:latest', 'localhost', 'bootc-base', 'latest', undefined, 'localhost/bootc-base:latest'],
    ['localhost:5000/a/b', 'localhost:5000', 'a/b', undefined, undefined, 'localhost:5000/a/b'],
    [
      '127.0.0.1:5000/fixtures/bootc-base:latest',
      '127.0.0.1:5000',
      'fixtures/bootc-base',
      'latest',
      undefined,
      '127.0.0.1:5000/fixtures/bootc-base:latest',
    ],
    ['[::1]:5000/edge/os:v1', '[::1]:5000', 'edge/os', 'v1', undefined, '[::1]:5000/edge/os:v1'],
    ['[2001:db8::1]/x', '[2001:db8::1]', 'x', undefined, undefined, '[2001:db8::1]/x'],
    [`quay.io/a/b@${D}`, 'quay.io', 'a/b', undefined, D, `quay.io/a/b@${D}`],
    [`quay.io:443/a/b:t@${D}`, 'quay.io:443', 'a/b', 't', D, `quay.io:443/a/b:t@${D}`],
    ['Registry.Example.com/a', 'Registry.Example.com', 'a', undefined, undefined, 'Registry.Example.com/a'],
  ])('%s', (input, registry, repository, tag, digest, formatted) => {
    const ref = parseImageRef(input);
    expect(ref).toEqual({ registry, repository, tag, digest });
    expect(formatImageRef(ref)).toBe(formatted);
    expect(parseImageRef(formatImageRef(ref))).toEqual(ref);
  });

  it.each([
    ['', 'is required'],
    ['user/Case', 'repository name'],
    ['quay.io/a:b:c', 'repository name'],
    ['quay.io/a:-bad', 'tag must match'],
    ['quay.io/a@sha256:xyz', 'digest'],
    ['[::1/a', 'registry'],
    ['[zz::1]:5000/a', 'registry'],
    ['quay.io:port/a', 'registry port'],
    ['quay.io/', 'repository name'],
    ['a//b', 'repository name'],
    [`quay.io/${'a'.repeat(256)}`, 'no more than 255'],
  ])('refuses %j (%s)', (input, rule) => {
    let caught: unknown;
    try {
      parseImageRef(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues[0]).toMatchObject({ path: 'image' });
    expect((caught as ValidationError).issues[0]?.message).toContain(rule);
  });

  it('imageReferenceFor joins registry, name and tag', () => {
    expect(imageReferenceFor({ spec: { registry: '[::1]:5000' } }, 'edge/os', 'v1')).toBe('[::1]:5000/edge/os:v1');
  });
});
