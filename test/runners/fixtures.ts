import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseImageBuild,
  parseImageExport,
  parseRepository,
  type ExportFormat,
  type ImageBuild,
  type ImageExport,
  type Repository,
} from '@imagebuild/core';
import type { EnrollmentConfig } from '@imagebuild/core/containerfile';
import type { HarnessEnv } from '@imagebuild/testkit';

export const PUBKEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl runner@test';

/** Repositories for the harness: `plain` (registry A) and `tls` (registry B with auth and CA). */
export function harnessRepositories(
  env: HarnessEnv,
  password = env.registryPassword,
): { plain: Repository; tls: Repository } {
  const plain = parseRepository({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'plain' },
    spec: { type: 'oci', registry: env.registryPlain, scheme: 'http', accessMode: 'ReadWrite' },
  });
  const tls = parseRepository({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'tls' },
    spec: {
      type: 'oci',
      registry: env.registryTls,
      scheme: 'https',
      accessMode: 'ReadWrite',
      ociAuth: { authType: 'docker', username: env.registryUser, password },
      'ca.crt': readFileSync(env.registryCa).toString('base64'),
    },
  });
  return { plain, tls };
}

export interface BuildFixture {
  name: string;
  binding: 'early' | 'late';
  source?: string;
  /** Source image name and tag (default: the harness's `fixtures/bootc-base:latest`). */
  sourceImage?: string;
  sourceTag?: string;
  destination: string;
  imageName: string;
  tag: string;
  user?: boolean;
}

export function imageBuild(f: BuildFixture): ImageBuild {
  return parseImageBuild({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: f.name },
    spec: {
      source: {
        repository: f.source ?? 'plain',
        imageName: f.sourceImage ?? 'fixtures/bootc-base',
        imageTag: f.sourceTag ?? 'latest',
      },
      destination: { repository: f.destination, imageName: f.imageName, imageTag: f.tag },
      binding: { type: f.binding },
      ...(f.user ? { userConfiguration: { username: 'alice', publickey: PUBKEY } } : {}),
    },
  });
}

export function imageExport(name: string, build: string, format: ExportFormat): ImageExport {
  return parseImageExport({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name },
    spec: { source: { type: 'imageBuild', imageBuildRef: build }, format },
  });
}

/** A fresh self-signed enrollment config (openssl), distinct per call. */
export function enrollmentConfig(): EnrollmentConfig {
  const dir = mkdtempSync(join(tmpdir(), 'ib-enroll-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=enrollment',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    return {
      serviceUrl: 'https://agent-api.example.com:7443',
      certificateAuthority: cert,
      clientCertificate: cert,
      clientKey: readFileSync(join(dir, 'k.pem'), 'utf8'),
      uiEndpoint: 'https://ui.example.com',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
