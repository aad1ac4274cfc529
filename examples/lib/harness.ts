// Shared set-up for the quick start and the examples: the harness's engines and registries
// (`npm run engines:up`), read from the env file it writes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrollmentConfig } from '@imagebuild/core/containerfile';

export interface Harness {
  PODMAN_URL: string;
  DOCKER_URL: string;
  REGISTRY_PLAIN: string;
  REGISTRY_TLS: string;
  REGISTRY_CA: string;
  REGISTRY_USER: string;
  REGISTRY_PASSWORD: string;
  BIB_IMAGE: string;
}

/** Reads `/tmp/ibh/env` (or `$IBH_ENV`); tells the user how to start the harness if it is missing. */
export function harness(): Harness {
  const file = process.env['IBH_ENV'] ?? '/tmp/ibh/env';
  if (!existsSync(file)) throw new Error(`harness env ${file} not found: run \`npm run engines:up\` first`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  for (const k of ['PODMAN_URL', 'DOCKER_URL', 'REGISTRY_PLAIN', 'BIB_IMAGE'] as const) {
    if (!env[k]) throw new Error(`harness env ${file} has no ${k}`);
  }
  return env as unknown as Harness;
}

/** Repositories on the harness's plain registry A: `src` (bootc-like base, read-only) and `dst` (read-write). */
export function harnessRepositories(h: Harness, prefix = '') {
  const spec = { type: 'oci' as const, registry: h.REGISTRY_PLAIN, scheme: 'http' as const };
  return [
    {
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository' as const,
      metadata: { name: `${prefix}src` },
      spec: { ...spec, accessMode: 'Read' as const },
    },
    {
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository' as const,
      metadata: { name: `${prefix}dst` },
      spec: { ...spec, accessMode: 'ReadWrite' as const },
    },
  ];
}

/**
 * A THROWAWAY enrollment configuration for demos: a self-signed CA and a client certificate/key made
 * with openssl (argv only, no shell). Devices booted from such an image cannot enrol anywhere real.
 */
export function demoEnrollmentConfig(): EnrollmentConfig {
  const dir = mkdtempSync(join(tmpdir(), 'ib-demo-enrol-'));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    ossl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=imagebuild demo CA (not trusted)',
    );
    ossl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'client.key',
      '-out',
      'client.csr',
      '-subj',
      '/CN=imagebuild-demo-device',
    );
    ossl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.crt',
      '-days',
      '1',
    );
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return {
      serviceUrl: 'https://flightctl-demo.invalid:7443',
      certificateAuthority: read('ca.crt'),
      clientCertificate: read('client.crt'),
      clientKey: read('client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A short unique suffix for resource names and image tags. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
