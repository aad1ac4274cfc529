import type { ImageBuild, ImageExport, Repository } from '@imagebuild/client';

export function repository(name: string, registry: string, accessMode: 'Read' | 'ReadWrite' = 'ReadWrite'): Repository {
  return {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry, scheme: 'http', accessMode },
  };
}

export function imageBuild(
  name: string,
  over: { source?: string; destination?: string; tag?: string; labels?: Record<string, string> } = {},
): ImageBuild {
  return {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name, ...(over.labels ? { labels: over.labels } : {}) },
    spec: {
      source: { repository: over.source ?? 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
      destination: { repository: over.destination ?? 'dst', imageName: `e2e/${name}`, imageTag: over.tag ?? 'v1' },
      binding: { type: 'late' },
    },
  };
}

export function imageExport(name: string, build: string, format: ImageExport['spec']['format'] = 'qcow2'): ImageExport {
  return {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name },
    spec: { source: { type: 'imageBuild', imageBuildRef: build }, format },
  };
}
