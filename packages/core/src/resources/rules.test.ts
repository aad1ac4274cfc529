import { describe, expect, it } from 'vitest';
import {
  IMAGE_NAME,
  IMAGE_TAG,
  dns1123SubdomainProblems,
  isIPv6,
  labelValueProblems,
  publickeyProblems,
  qualifiedNameProblems,
  usernameProblems,
} from './rules.js';

const DATA = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('DNS-1123 subdomain names', () => {
  it.each(['a', 'my-build', 'a.b-c.d', '0', 'x'.repeat(253)])('accepts %s', (n) =>
    expect(dns1123SubdomainProblems(n)).toEqual([]),
  );
  it.each(['', 'A', '-a', 'a-', 'a..b', 'a_b', '.a', 'a.', 'x'.repeat(254)])('refuses %j', (n) =>
    expect(dns1123SubdomainProblems(n).length).toBeGreaterThan(0),
  );
});

describe('Kubernetes labels', () => {
  it.each(['app', 'app.kubernetes.io/name', 'a_b-c.d', 'example.com/X'])('accepts key %s', (k) =>
    expect(qualifiedNameProblems(k)).toEqual([]),
  );
  it.each(['', '/a', 'a/', 'a/b/c', '-a', 'Example.com/a', 'x'.repeat(64), `${'a'.repeat(254)}/b`])(
    'refuses key %j',
    (k) => expect(qualifiedNameProblems(k).length).toBeGreaterThan(0),
  );
  it.each(['', 'v1', 'A_b.c-d', 'x'.repeat(63)])('accepts value %j', (v) => expect(labelValueProblems(v)).toEqual([]));
  it.each(['-a', 'a b', 'x'.repeat(64), 'é'])('refuses value %j', (v) =>
    expect(labelValueProblems(v).length).toBeGreaterThan(0),
  );
});

describe('imageName and imageTag', () => {
  it.each(['a', 'centos-bootc/centos-bootc', 'a.b/c__d/e--f', 'my_user/os'])('imageName accepts %s', (n) =>
    expect(IMAGE_NAME.test(n)).toBe(true),
  );
  it.each(['', 'A', 'quay.io:5000/x', 'a/', '/a', 'a:tag', 'a@sha256:x', 'a___b', '-a', 'a//b'])(
    'imageName refuses %j',
    (n) => expect(IMAGE_NAME.test(n)).toBe(false),
  );
  it.each(['latest', 'v1.0.0', '_x', 'A-b.C', 'x'.repeat(128)])('tag accepts %s', (t) =>
    expect(IMAGE_TAG.test(t)).toBe(true),
  );
  it.each(['', '.x', '-x', 'a b', 'a:b', 'x'.repeat(129)])('tag refuses %j', (t) =>
    expect(IMAGE_TAG.test(t)).toBe(false),
  );
});

describe('username (useradd rules)', () => {
  it.each(['admin', 'a.b', '_svc', 'host$', '0user', 'x'.repeat(256)])('accepts %s', (u) =>
    expect(usernameProblems(u)).toEqual([]),
  );
  it.each([
    ['', 'is required'],
    [' admin', 'must not have leading or trailing whitespace'],
    ['a@b', 'must match'],
    ['-a', 'must match'],
    ['a$b', 'must match'],
    ['.', 'must not be "." or ".."'],
    ['..', 'must not be "." or ".."'],
    ['x'.repeat(257), 'must be no more than 256 characters'],
  ])('refuses %j', (u, rule) => expect(usernameProblems(u).join('; ')).toContain(rule));
});

describe('publickey', () => {
  it.each([
    `ssh-ed25519 ${DATA}`,
    `ssh-rsa ${DATA}== me@host`,
    `ecdsa-sha2-nistp384 ${DATA} c\r\n`,
    `ssh-dss ${DATA}\n`,
  ])('accepts %j', (k) => expect(publickeyProblems(k)).toEqual([]));
  it.each([
    ['', 'is required'],
    [`ssh-ed25519 ${DATA}\nssh-rsa ${DATA}`, 'single line'],
    [`ssh-ed25519 ${DATA} $(reboot)`, 'must not contain'],
    [`ssh-ed25519 ${DATA} a;b`, 'must not contain'],
    [`ssh-ed25519\t${DATA}`, 'must not contain'],
    ['ssh-ed25519', 'at least a key type'],
    [`ssh-foo ${DATA}`, 'key type must be one of'],
    ['ssh-rsa AAAA', 'at least 50 characters'],
    [`ssh-rsa ${DATA}*`, 'must be base64'],
    [`ssh-rsa ${'A'.repeat(8200)}`, 'no more than 8192'],
  ])('refuses %j', (k, rule) => expect(publickeyProblems(k).join('; ')).toContain(rule));
  it('never includes the key in its messages', () => {
    for (const m of publickeyProblems(`ssh-foo ${DATA}; rm`)) expect(m).not.toContain(DATA);
  });
});

describe('isIPv6', () => {
  it.each(['::1', '::', '2001:db8::1', '1:2:3:4:5:6:7:8', '::ffff:192.168.0.1', 'fe80::'])('accepts %s', (a) =>
    expect(isIPv6(a)).toBe(true),
  );
  it.each(['', '1', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::', '::ffff:999.1.1.1', '1:2:3:4:5:6:7::8'])(
    'refuses %j',
    (a) => expect(isIPv6(a)).toBe(false),
  );
});
