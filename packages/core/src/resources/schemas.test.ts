import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import {
  parseImageBuild,
  parseImageBuildNewVersionRequest,
  parseImageExport,
  parseRepository,
  parseStatus,
  parseImageBuildList,
} from '../parse/parse-resource.js';
import { PUBKEY, buildDoc, repoDoc } from '../../test/fixtures.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return [...(err as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('ImageBuild schema', () => {
  it('accepts upstream example and normalises apiVersion', () => {
    const b = parseImageBuild({ ...buildDoc(), apiVersion: 'v1alpha1' });
    expect(b.apiVersion).toBe('flightctl.io/v1alpha1');
    expect(b.spec.binding).toEqual({ type: 'late' });
  });

  it('accepts userConfiguration, onboarding, status and embedded exports', () => {
    const b = parseImageBuild({
      ...buildDoc({
        userConfiguration: { username: 'admin', publickey: PUBKEY },
        onboarding: true,
        binding: { type: 'early' },
      }),
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Building',
            message: 'm',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
        imageReference: 'q/x:1',
        lastSeen: '2026-01-01T00:00:00.123+02:00',
      },
      imageexports: [
        {
          apiVersion: 'v1alpha1',
          kind: 'ImageExport',
          metadata: { name: 'e' },
          spec: { source: { type: 'imageBuild', imageBuildRef: 'my-build' }, format: 'iso' },
        },
      ],
    });
    expect(b.spec.userConfiguration?.username).toBe('admin');
    expect(b.imageexports?.[0]?.apiVersion).toBe('flightctl.io/v1alpha1');
  });

  it('reports every problem with path and rule', () => {
    const issues = issuesOf(() =>
      parseImageBuild({
        apiVersion: 'v2',
        kind: 'ImageBuild',
        metadata: { name: 'Bad_Name', labels: { 'ok/key': 'bad value!' } },
        spec: {
          source: { repository: '', imageName: 'Upper/Case', imageTag: '-bad' },
          destination: { repository: 'd', imageName: 'quay.io:5000/x', imageTag: 'x'.repeat(129) },
          binding: { type: 'sideways' },
          extra: 1,
          userConfiguration: { username: 'a@b', publickey: 'ssh-rsa short' },
        },
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'apiVersion',
        'metadata.name',
        'metadata.labels["ok/key"]',
        'spec.source.repository',
        'spec.source.imageName',
        'spec.source.imageTag',
        'spec.destination.imageName',
        'spec.destination.imageTag',
        'spec.binding.type',
        'spec.extra',
        'spec.userConfiguration.username',
        'spec.userConfiguration.publickey',
      ]),
    );
    expect(issues).toContainEqual({ path: 'spec.source.imageTag', message: 'must match ^[\\w][\\w.-]{0,127}$' });
    expect(issues).toContainEqual({ path: 'spec.source.repository', message: 'is required' });
    expect(issues).toContainEqual({ path: 'spec.extra', message: 'is not a known field' });
    expect(issues).toContainEqual({ path: 'spec.binding.type', message: 'must be one of early, late' });
  });

  it('reports missing required fields', () => {
    const issues = issuesOf(() =>
      parseImageBuild({ apiVersion: 'v1alpha1', kind: 'ImageBuild', metadata: {}, spec: {} }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'metadata.name', message: 'is required' },
        { path: 'spec.source', message: 'is required' },
        { path: 'spec.destination', message: 'is required' },
        { path: 'spec.binding', message: 'is required' },
      ]),
    );
  });

  it('refuses unknown top-level fields (closed object) and a wrong kind', () => {
    const issues = issuesOf(() => parseImageBuild({ ...buildDoc(), kind: 'ImageExport', bogus: true }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'bogus', message: 'is not a known field' },
        { path: 'kind', message: 'must be ImageBuild' },
      ]),
    );
  });

  it('reports a wrong type without echoing the value', () => {
    const issues = issuesOf(() => parseImageBuild(buildDoc({ onboarding: 'yes-please' })));
    expect(issues).toEqual([{ path: 'spec.onboarding', message: 'must be a boolean, got string' }]);
  });

  it('parses lists', () => {
    const list = parseImageBuildList({
      apiVersion: 'v1alpha1',
      kind: 'ImageBuildList',
      metadata: { continue: 'x' },
      items: [buildDoc()],
    });
    expect(list.items).toHaveLength(1);
  });
});

describe('ImageExport schema', () => {
  const exp = (format: unknown, source: unknown = { type: 'imageBuild', imageBuildRef: 'b' }) => ({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name: 'e1' },
    spec: { source, format },
  });
  it('accepts upstream and local formats; upstreamOnly refuses local ones', () => {
    expect(parseImageExport(exp('qcow2-disk-container')).spec.format).toBe('qcow2-disk-container');
    expect(parseImageExport(exp('raw')).spec.format).toBe('raw');
    expect(issuesOf(() => parseImageExport(exp('raw'), { upstreamOnly: true }))).toEqual([
      {
        path: 'spec.format',
        message: 'must be one of vmdk, qcow2, iso, qcow2-disk-container (the others are local-only)',
      },
    ]);
  });
  it('refuses unknown formats and source types', () => {
    const issues = issuesOf(() => parseImageExport(exp('tiff', { type: 'imageReference', imageBuildRef: 'b' })));
    expect(issues.map((i) => i.path).sort()).toEqual(['spec.format', 'spec.source.type']);
    expect(issues.find((i) => i.path === 'spec.source.type')?.message).toBe("must be 'imageBuild'");
  });
  it('requires imageBuildRef', () => {
    expect(issuesOf(() => parseImageExport(exp('iso', { type: 'imageBuild' })))).toEqual([
      { path: 'spec.source.imageBuildRef', message: 'is required' },
    ]);
  });
});

describe('Repository schema', () => {
  it('applies defaults and normalises apiVersion', () => {
    const r = parseRepository({ ...repoDoc('r', { scheme: undefined }), apiVersion: 'v1beta1' });
    expect(r.apiVersion).toBe('flightctl.io/v1beta1');
    expect(r.spec.scheme).toBe('https');
    expect(r.spec.accessMode).toBe('Read');
  });
  it.each([
    'quay.io',
    'localhost',
    'localhost:5000',
    '127.0.0.1:5000',
    '[::1]:5000',
    '[2001:db8::1]',
    'registry.example.com:443',
    'a-b.c1.io',
  ])('accepts registry %s', (registry) => {
    expect(parseRepository(repoDoc('r', { registry })).spec.registry).toBe(registry);
  });
  it.each([
    '',
    'Quay.io',
    'quay.io:0',
    'quay.io:65536',
    'quay.io:x',
    '[::1',
    '[zz::1]:5000',
    '::1',
    'http://quay.io',
    'quay.io/path',
    '999.1.1.1',
    '-a.io',
    `${'a'.repeat(64)}.io`,
  ])('refuses registry %j', (registry) => {
    const issues = issuesOf(() => parseRepository(repoDoc('r', { registry })));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.path === 'spec.registry')).toBe(true);
  });
  it('never echoes the password', () => {
    const password = 'Sup3r$ecret-password-value';
    const issues = issuesOf(() =>
      parseRepository(
        repoDoc('r', {
          ociAuth: { authType: 'docker', username: '', password: password + 'x'.repeat(8192) },
          scheme: 'ftp',
        }),
      ),
    );
    const text = JSON.stringify(issues);
    expect(text).not.toContain(password);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'spec.ociAuth.username', message: 'is required' },
        { path: 'spec.ociAuth.password', message: 'must be no more than 8192 characters' },
        { path: 'spec.scheme', message: 'must be one of http, https' },
      ]),
    );
    try {
      parseRepository(repoDoc('r', { ociAuth: { authType: 'docker', username: 'u', password: 42 } }));
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('42');
    }
  });
  it('refuses git repositories and unknown OCI fields', () => {
    const issues = issuesOf(() => parseRepository(repoDoc('r', { type: 'git', url: 'https://x' })));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'spec.type', message: "only 'oci' repositories are supported" },
        { path: 'spec.url', message: 'is not a known field' },
      ]),
    );
  });
});

describe('other bodies', () => {
  it('newversion request', () => {
    expect(parseImageBuildNewVersionRequest({ name: 'n', destinationImageTag: 'v2' })).toEqual({
      name: 'n',
      destinationImageTag: 'v2',
    });
    expect(
      issuesOf(() => parseImageBuildNewVersionRequest({ name: '', sourceImageTag: '.x', other: 1 }))
        .map((i) => i.path)
        .sort(),
    ).toEqual(['name', 'other', 'sourceImageTag']);
  });
  it('Status body', () => {
    expect(
      parseStatus({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'Status',
        code: 404,
        message: 'x',
        reason: '',
        status: '',
      }).code,
    ).toBe(404);
    expect(
      issuesOf(() => parseStatus({ kind: 'Status', code: 1.5 }))
        .map((i) => i.path)
        .sort(),
    ).toEqual(['apiVersion', 'code', 'message', 'reason', 'status']);
  });
});
