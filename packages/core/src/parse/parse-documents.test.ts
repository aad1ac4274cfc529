import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { parseDocuments, parseDocumentsOrThrow } from './parse-documents.js';

const YAML_OK = `
apiVersion: v1beta1
kind: Repository
metadata:
  name: dst-repo
spec:
  type: oci
  registry: "[::1]:5000"
  accessMode: ReadWrite
---
apiVersion: v1alpha1
kind: ImageBuild
metadata:
  name: edge-os
  labels:
    app.kubernetes.io/name: edge
spec:
  source: {repository: src, imageName: centos-bootc/centos-bootc, imageTag: stream9}
  destination: {repository: dst-repo, imageName: edge/os, imageTag: v1.0.0}
  binding: {type: early}
---
apiVersion: flightctl.io/v1alpha1
kind: ImageExport
metadata: {name: edge-os-qcow2}
spec:
  source: {type: imageBuild, imageBuildRef: edge-os}
  format: qcow2
`;

describe('parseDocuments', () => {
  it('parses a multi-document YAML stream, choosing the schema by kind', () => {
    const res = parseDocuments(YAML_OK);
    expect(res.map((r) => [r.index, r.ok, r.kind])).toEqual([
      [0, true, 'Repository'],
      [1, true, 'ImageBuild'],
      [2, true, 'ImageExport'],
    ]);
    const build = res[1]!;
    if (!build.ok || build.resource.kind !== 'ImageBuild') throw new Error('expected an ImageBuild');
    expect(build.resource.apiVersion).toBe('flightctl.io/v1alpha1');
    expect(build.resource.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'edge' });
  });

  it('parses JSON objects and arrays', () => {
    const one = JSON.stringify({
      apiVersion: 'v1alpha1',
      kind: 'ImageExport',
      metadata: { name: 'x' },
      spec: { source: { type: 'imageBuild', imageBuildRef: 'b' }, format: 'vmdk' },
    });
    expect(parseDocuments(one).map((r) => r.ok)).toEqual([true]);
    expect(parseDocuments(`[${one},${one}]`).map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('keeps going after an invalid document and reports every problem of each', () => {
    const text = `kind: ImageBuild
apiVersion: v1alpha1
metadata: {name: ok}
spec:
  source: {repository: s, imageName: a/b, imageTag: "1"}
  destination: {repository: d, imageName: a/b, imageTag: "bad tag"}
  binding: {type: late}
  userConfiguration: {username: " root", publickey: "ssh-rsa AAAA"}
---
kind: Widget
---
apiVersion: v1alpha1
metadata: {name: x}
---
- just
- a list
`;
    const res = parseDocuments(text);
    expect(res).toHaveLength(4);
    const [a, b, c, d] = res;
    expect(a!.ok).toBe(false);
    if (a!.ok) return;
    expect(a!.error).toBeInstanceOf(ValidationError);
    expect(a!.error.issues).toEqual(
      expect.arrayContaining([
        { path: 'spec.destination.imageTag', message: 'must match ^[\\w][\\w.-]{0,127}$' },
        { path: 'spec.userConfiguration.username', message: 'must not have leading or trailing whitespace' },
        { path: 'spec.userConfiguration.publickey', message: 'key data must be at least 50 characters' },
      ]),
    );
    expect(a!.error.message).toContain('spec.destination.imageTag: must match ^[\\w][\\w.-]{0,127}$');
    expect(b).toMatchObject({ ok: false, kind: 'Widget' });
    expect(!b!.ok && b!.error.issues[0]).toEqual({
      path: 'kind',
      message: 'must be one of ImageBuild, ImageExport, Repository, ImageBuildList, ImageExportList, RepositoryList',
    });
    expect(!c!.ok && c!.error.issues[0]).toEqual({ path: 'kind', message: 'is required' });
    expect(!d!.ok && d!.error.issues[0]).toEqual({ path: '', message: 'document must be an object' });
  });

  it('reports syntax errors by position, never echoing the text', () => {
    const secret = 'hunter2-the-password';
    const res = parseDocuments(`kind: Repository\nspec:\n  ociAuth: {password: "${secret}"\n  bad: [\n`);
    expect(res).toHaveLength(1);
    const r = res[0]!;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/invalid YAML \(\w+\) at line \d+, column \d+/);
    expect(r.error.message).not.toContain(secret);
    const j = parseDocuments(`{"kind": "Repository", "password": "${secret}",}`);
    expect(!j[0]!.ok && j[0]!.error.message).toMatch(/invalid JSON/);
    expect(JSON.stringify(j)).not.toContain(secret);
  });

  it('never echoes a password from a semantically invalid Repository', () => {
    const secret = 'hunter2-the-password';
    const res = parseDocuments(`kind: Repository
apiVersion: v1beta1
metadata: {name: r}
spec:
  type: oci
  registry: "bad host"
  ociAuth: {authType: basic, username: u, password: "${secret}"}
`);
    expect(res[0]!.ok).toBe(false);
    expect(
      JSON.stringify(res.map((r) => (r.ok ? r : { issues: r.error.issues, message: r.error.message }))),
    ).not.toContain(secret);
  });

  it('rejects duplicate keys and skips empty documents', () => {
    expect(parseDocuments('---\n---\n')).toEqual([]);
    const dup = parseDocuments('kind: ImageBuild\nkind: ImageExport\n');
    expect(!dup[0]!.ok && dup[0]!.error.message).toMatch(/kind: duplicate key at line 2, column 1/);
  });

  it('parseDocumentsOrThrow returns resources or throws one error naming documents', () => {
    expect(parseDocumentsOrThrow(YAML_OK).map((r) => r.kind)).toEqual(['Repository', 'ImageBuild', 'ImageExport']);
    expect(() => parseDocumentsOrThrow(`${YAML_OK}---\nkind: ImageExport\n`)).toThrowError(
      /\[3\]\.apiVersion: is required/,
    );
  });

  it('upstreamOnly refuses local-only export formats', () => {
    const text =
      'apiVersion: v1alpha1\nkind: ImageExport\nmetadata: {name: e}\nspec: {source: {type: imageBuild, imageBuildRef: b}, format: gce}\n';
    expect(parseDocuments(text)[0]!.ok).toBe(true);
    const r = parseDocuments(text, { upstreamOnly: true })[0]!;
    expect(!r.ok && r.error.issues[0]?.path).toBe('spec.format');
  });
});
