import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HarnessEnv } from '@imagebuild/testkit';

/**
 * The registry's base fixture under a tag of this run (`supply-chain/base:<run>`): an engine may hold
 * a stale local copy of `fixtures/bootc-base:latest` (a build uses the local image when present),
 * never of this tag.
 */
export function copyBaseFixture(env: HarnessEnv, run: string): void {
  execFileSync('skopeo', [
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${env.baseImagePlain}`,
    `docker://${env.registryPlain}/supply-chain/base:${run}`,
  ]);
}

/** A derivative of the base without any RPM database, pushed to registry A as `supply-chain/no-rpmdb:<run>`. */
export function pushImageWithoutRpmdb(env: HarnessEnv, run: string): string {
  const ref = `${env.registryPlain}/supply-chain/no-rpmdb:${run}`;
  const dir = mkdtempSync(join(tmpdir(), 'ib-norpmdb-'));
  const podman = (...args: string[]) =>
    execFileSync('podman', ['--url', `unix://${env.podmanSocket}`, ...args], { stdio: 'pipe' });
  try {
    writeFileSync(join(dir, 'Containerfile'), `FROM ${env.baseImage}\nRUN rm -rf /usr/lib/sysimage/rpm /var/lib/rpm\n`);
    podman('build', '--isolation', 'chroot', '-t', ref, dir);
    podman('push', '--tls-verify=false', ref);
    podman('rmi', ref);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 'supply-chain/no-rpmdb';
}
