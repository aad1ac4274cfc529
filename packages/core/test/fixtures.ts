// Test fixtures shared by the core unit tests (not exported from the package).
export const PUBKEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host';

export function buildDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: 'my-build' },
    spec: {
      source: { repository: 'src-repo', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
      destination: { repository: 'dst-repo', imageName: 'edge/os', imageTag: 'v1.0.0' },
      binding: { type: 'late' },
      ...overrides,
    },
  };
}

export function repoDoc(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry: '127.0.0.1:5000', scheme: 'http', ...spec },
  };
}

/** A self-signed test certificate and key (generated for these tests only; not trusted anywhere). */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUFakeFakeFakeFakeFakeFakeFakeFakewCgYIKoZIzj0E
AwIwFDESMBAGA1UEAwwJdGVzdC1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEw
-----END CERTIFICATE-----
`;
export const TEST_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFakeKeyMaterialForUnitTestsOnlyNotARealKeyxxxxxxxxxxoAoGCCqG
-----END EC PRIVATE KEY-----
`;
