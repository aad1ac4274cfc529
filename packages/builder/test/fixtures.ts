import type { EnrollmentConfig } from '@imagebuild/core/containerfile';

export const repo = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'flightctl.io/v1beta1',
  kind: 'Repository' as const,
  metadata: { name },
  spec: {
    type: 'oci' as const,
    registry: 'localhost:5000',
    scheme: 'http' as const,
    accessMode: 'ReadWrite' as const,
    ...extra,
  },
});

export const build = (
  name: string,
  opts: { labels?: Record<string, string>; tag?: string; binding?: 'early' | 'late' } = {},
) => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageBuild' as const,
  metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
  spec: {
    source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
    destination: { repository: 'dst', imageName: 'out/image', imageTag: opts.tag ?? 'v1' },
    binding: { type: opts.binding ?? ('late' as const) },
  },
});

export const exp = (name: string, buildRef: string, format = 'qcow2') => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageExport' as const,
  metadata: { name },
  spec: { source: { type: 'imageBuild' as const, imageBuildRef: buildRef }, format: format as 'qcow2' },
});

export const reasonOf = (o: {
  status?: { conditions?: Array<{ type: string; reason: string }> | undefined } | undefined;
}) => o.status?.conditions?.find((c) => c.type === 'Ready')?.reason;

export const fakeEnrollment: EnrollmentConfig = {
  serviceUrl: 'https://agent.example.com:7443',
  certificateAuthority: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  clientCertificate: '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n',
  clientKey: '-----BEGIN PRIVATE KEY-----\nCCCC\n-----END PRIVATE KEY-----\n',
};
