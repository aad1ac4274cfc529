// Golden output: `get` tables and -o yaml/json/name for every kind, and `--help` of every command.
// The files under __golden__ are the reviewed output; a change to them is a change to the CLI's face.
import { bufferIo, createProgram, formatResources, run } from '@imagebuild/cli';
import { describe, expect, it } from 'vitest';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();
const ready = (reason: string) => ({
  conditions: [
    {
      type: 'Ready',
      status: reason === 'Completed' ? 'True' : 'False',
      reason,
      message: '',
      lastTransitionTime: ago(1),
    },
  ],
});

const builds = [
  {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: 'edge-os', creationTimestamp: ago(3 * 3600), labels: { site: 'lab', tier: 'edge' } },
    spec: {
      source: { repository: 'quay', imageName: 'centos-bootc/centos-bootc', imageTag: 'stream9' },
      destination: { repository: 'internal', imageName: 'fleet/edge-os', imageTag: 'v1.2.0' },
      binding: { type: 'early' },
    },
    status: { ...ready('Completed'), imageReference: 'registry.example.com/fleet/edge-os:v1.2.0' },
    imageexports: [
      {
        metadata: { name: 'edge-os-iso' },
        spec: { source: { type: 'imageBuild', imageBuildRef: 'edge-os' }, format: 'iso' },
      },
      {
        metadata: { name: 'edge-os-qcow2' },
        spec: { source: { type: 'imageBuild', imageBuildRef: 'edge-os' }, format: 'qcow2' },
      },
    ],
  },
  {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: 'kiosk', creationTimestamp: ago(42) },
    spec: {
      source: { repository: 'quay', imageName: 'centos-bootc/centos-bootc', imageTag: 'stream10' },
      destination: { repository: 'internal', imageName: 'fleet/kiosk', imageTag: '2026.03' },
      binding: { type: 'late' },
    },
    status: ready('Building'),
  },
  {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: 'fresh' },
    spec: {
      source: { repository: 'quay', imageName: 'base', imageTag: 'latest' },
      destination: { repository: 'internal', imageName: 'fresh', imageTag: '1' },
      binding: { type: 'late' },
    },
  },
];

const exportsList = [
  {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name: 'edge-os-qcow2', creationTimestamp: ago(2 * 86_400) },
    spec: { source: { type: 'imageBuild', imageBuildRef: 'edge-os' }, format: 'qcow2' },
    status: { ...ready('Completed'), manifestDigest: `sha256:${'ab'.repeat(32)}` },
  },
  {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name: 'edge-os-iso', creationTimestamp: ago(65), labels: { purpose: 'install' } },
    spec: { source: { type: 'imageBuild', imageBuildRef: 'edge-os' }, format: 'iso' },
    status: ready('Converting'),
  },
];

const repos = [
  {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'internal' },
    spec: {
      type: 'oci',
      registry: 'registry.example.com',
      accessMode: 'ReadWrite',
      ociAuth: { authType: 'docker', username: 'robot', password: '*****' },
    },
    status: { conditions: [{ type: 'Accessible', status: 'True', reason: 'Accessible', message: '' }] },
  },
  {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'quay' },
    spec: { type: 'oci', registry: 'quay.io' },
  },
];

const cases = [
  ['ImageBuild', builds, 'ib'],
  ['ImageExport', exportsList, 'ie'],
  ['Repository', repos, 'repo'],
] as const;

describe('get output', () => {
  for (const [kind, items, slug] of cases) {
    for (const format of ['table', 'wide', 'yaml', 'json', 'name'] as const) {
      it(`${slug} -o ${format}`, async () => {
        const text = formatResources(kind, items, format, { now: NOW });
        await expect(text).toMatchFileSnapshot(`__golden__/get-${slug}.${format}.txt`);
      });
    }
  }
  it('ib --with-exports', async () => {
    await expect(formatResources('ImageBuild', builds, 'table', { now: NOW, withExports: true })).toMatchFileSnapshot(
      '__golden__/get-ib.with-exports.txt',
    );
  });
  it('a single named resource prints the object itself in yaml/json, not a list', () => {
    const one = builds.slice(1, 2);
    expect(JSON.parse(formatResources('ImageBuild', one, 'json', { single: true }))).toEqual(one[0]);
    const list = JSON.parse(formatResources('ImageBuild', one, 'json', { continueToken: 'abc' }));
    expect(list).toMatchObject({ kind: 'ImageBuildList', metadata: { continue: 'abc' }, items: one });
  });
  it('an empty list prints the header only', () => {
    expect(formatResources('ImageExport', [], 'table')).toBe('NAME   PHASE   SOURCE   OUTPUT   FORMAT   AGE\n');
    expect(formatResources('ImageExport', [], 'name')).toBe('');
  });
});

describe('--help', () => {
  const names = createProgram({ io: bufferIo(), exitCode: 0 })
    .commands.map((c) => c.name())
    .filter((n) => n !== 'help');
  for (const command of ['', ...names]) {
    it(`imagebuild ${command} --help`, async () => {
      const io = bufferIo();
      const code = await run(command ? [command, '--help'] : ['--help'], io);
      expect(code).toBe(0);
      await expect(io.stdoutText()).toMatchFileSnapshot(`__golden__/help-${command || 'root'}.txt`);
    });
  }
});
