import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseRepository, type ImageBuild, type Repository, type Runner } from '@imagebuild/core';
import { EngineError, RegistryError } from '@imagebuild/core/errors';
import { EngineConnection, ociRegistryAccess } from '@imagebuild/engine';
import { RegistryClient } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from './build-helpers.js';
import { leftovers } from './engine-helpers.js';
import { harnessRepositories, imageBuild } from './fixtures.js';
import { startTlsRegistry, type TlsRegistry } from './tls-registry.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const CERTS_DIRS = { podman: '/etc/containers/certs.d', docker: '/etc/docker/certs.d' } as const;

function repository(name: string, registry: string, spec: Record<string, unknown>): Repository {
  return parseRepository({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry, scheme: 'https', accessMode: 'ReadWrite', ...spec },
  });
}

async function attempt(
  runner: Runner,
  ib: ImageBuild,
  repos: Repository[],
  jobId: string,
): Promise<{ error: Error | undefined; phases: string[]; lines: string[]; digest: string | undefined }> {
  const op = runner.build(ib, repos, { jobId });
  const phases: string[] = [];
  const lines: string[] = [];
  op.on('phase', (p) => phases.push(p));
  op.on('log', (l) => lines.push(l));
  return op.done().then(
    (r) => ({ error: undefined, phases, lines, digest: r.manifestDigest }),
    (e: unknown) => ({ error: e as Error, phases, lines, digest: undefined }),
  );
}

describe.each(['podman', 'docker'] as const)('%s: registry TLS verified as the Repository says', (kind) => {
  const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
  const harness = harnessRepositories(env);
  let registry: TlsRegistry;
  let good: Repository;
  let wrong: Repository;
  let skip: Repository;
  let conn: EngineConnection;
  const runners: Runner[] = [];
  const makeRunner = (options: ConstructorParameters<typeof PodmanRunner>[0] = {}): Runner => {
    const r =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}`, ...options })
        : new DockerRunner({ engine: `unix://${socket}`, ...options });
    runners.push(r);
    return r;
  };
  const build = (name: string, source: string, destination: string): ImageBuild =>
    imageBuild({ name, binding: 'late', source, destination, imageName: `tls/${kind}-${name}`, tag: run });

  beforeAll(async () => {
    registry = await startTlsRegistry();
    const ca = (pem: string): string => Buffer.from(pem).toString('base64');
    good = repository('good', registry.address, { 'ca.crt': ca(registry.caPem) });
    // Registry B's CA: a real CA, but not the one that signed this registry's certificate.
    wrong = repository('wrong', registry.address, { 'ca.crt': ca(readFileSync(env.registryCa, 'utf8')) });
    skip = repository('skip', registry.address, { skipServerVerification: true });
    const from = RegistryClient.fromRepository(harness.plain);
    const to = RegistryClient.fromRepository(good);
    await copyImage(from, 'fixtures/bootc-base', 'latest', to, 'fixtures/bootc-base', 'latest');
    await Promise.all([from.close(), to.close()]);
    conn = await EngineConnection.open({ url: `unix://${socket}` });
  }, 60_000);
  afterAll(async () => {
    for (const r of runners) await r.close();
    await registry?.stop();
    // The CAs the runners installed for this throwaway registry (its port is never reused by the harness).
    for (const dir of Object.values(CERTS_DIRS))
      if (registry) rmSync(join(dir, registry.address), { recursive: true, force: true });
  });

  it('a certificate not signed by the Repository CA fails for pull and for push, before building', async () => {
    const runner = makeRunner();
    const pull = await attempt(runner, build('wp', 'wrong', 'plain'), [wrong, harness.plain], `wp-${run}`);
    expect(pull.error).toBeInstanceOf(RegistryError);
    expect(pull.error!.message).toContain(
      `resolve source fixtures/bootc-base:latest for Repository "wrong" on ${registry.address}`,
    );
    expect(pull.error!.message).toMatch(/certificate|issuer|verify/i);
    expect(pull.phases).toEqual([]);
    const push = await attempt(runner, build('wd', 'plain', 'wrong'), [harness.plain, wrong], `wd-${run}`);
    expect(push.error).toBeInstanceOf(RegistryError);
    expect(push.error!.message).toContain(`for Repository "wrong" on ${registry.address}`);
    expect(push.error!.message).toMatch(/certificate|issuer|verify/i);
    expect(push.phases).toEqual([]);
  });

  it('the engine itself verifies with the Repository CA: a wrong one fails for pull and push', async () => {
    // Our own client is given the right CA, so only the engine sees the wrong one.
    const runner = makeRunner({
      registries: (repo) => ociRegistryAccess(repo.metadata.name === 'wrong' ? good : repo),
    });
    for (const [name, source, destination] of [
      ['ep', 'wrong', 'plain'],
      ['ed', 'plain', 'wrong'],
    ] as const) {
      const r = await attempt(runner, build(name, source, destination), [wrong, harness.plain], `${name}-${run}`);
      expect(r.error, name).toBeInstanceOf(EngineError);
      expect(r.error!.message, name).toContain(
        `the engine does not trust the certificate of Repository "wrong" (${registry.address})`,
      );
      expect(r.error!.message, name).toMatch(/x509|certificate/);
      expect(r.error!.message, name).toContain(
        `fix: install the Repository's ca.crt on the engine host as ${CERTS_DIRS[kind]}/${registry.address}/ca.crt`,
      );
      expect(r.phases, name).toEqual([]);
      expect(await leftovers(conn, `${name}-${run}`)).toEqual([]);
    }
  });

  // Runs while the engine holds only the wrong CA for this registry: success proves verification is off.
  it('skipServerVerification: podman turns verification off per request; dockerd needs its own configuration', async () => {
    const runner = makeRunner({ registryCertsDir: false });
    const r = await attempt(runner, build('sk', 'skip', 'plain'), [skip, harness.plain], `sk-${run}`);
    if (kind === 'podman') {
      expect(r.error).toBeUndefined();
    } else {
      expect(r.error).toBeInstanceOf(EngineError);
      expect(r.error!.message).toContain(
        `Repository "skip" (${registry.address}) says skipServerVerification: true, but the engine always verifies TLS for ${registry.address}; fix: add "${registry.address}" to "insecure-registries"`,
      );
      expect(r.phases).toEqual([]);
    }
  });

  it('source and destination behind a private CA build and push with verification on', async () => {
    const runner = makeRunner();
    const r = await attempt(runner, build('ok', 'good', 'good'), [good], `ok-${run}`);
    expect(r.error).toBeUndefined();
    expect(r.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(
      r.lines.some((l) => l.startsWith(`[imagebuild] installed the CA of Repository "good" (${registry.address})`)),
    ).toBe(true);
    expect(r.lines.some((l) => l.includes('insecure registry'))).toBe(false);
    const client = RegistryClient.fromRepository(good);
    expect((await client.headManifest(`tls/${kind}-ok`, run))?.digest).toBe(r.digest);
    await client.close();
  });

  it("registry B (loopback) with its private CA: verified by podman; dockerd's own policy is stated in the log", async () => {
    const runner = makeRunner();
    const r = await attempt(runner, build('rb', 'tls', 'tls'), [harness.tls], `rb-${run}`);
    expect(r.error).toBeUndefined();
    const warning = r.lines.find((l) => l.includes('as an insecure registry'));
    if (kind === 'podman') expect(warning).toBeUndefined();
    else expect(warning).toContain(`docker treats ${env.registryTls} (Repository "tls" (${env.registryTls}))`);
  });
});

describe('docker over tcp (a remote engine): a registry CA it lacks fails before building with the fix', () => {
  const certPath = env.raw['DOCKER_TLS_CERT_PATH']!;
  const pem = (name: string): string => readFileSync(join(certPath, name), 'utf8');
  let registry: TlsRegistry;
  let runner: Runner;
  beforeAll(async () => {
    registry = await startTlsRegistry();
    runner = new DockerRunner({
      engine: {
        url: env.raw['DOCKER_TLS_URL']!,
        tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem') },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await runner?.close();
    await registry?.stop();
  });

  it('names the Repository and where the engine host needs its CA; nothing is installed', async () => {
    const good = repository('good', registry.address, { 'ca.crt': Buffer.from(registry.caPem).toString('base64') });
    const harness = harnessRepositories(env);
    const ib = imageBuild({ name: 'rm', binding: 'late', destination: 'good', imageName: 'tls/remote', tag: run });
    const r = await attempt(runner, ib, [harness.plain, good], `rm-${run}`);
    expect(r.error).toBeInstanceOf(EngineError);
    expect(r.error!.message).toContain(
      `the engine does not trust the certificate of Repository "good" (${registry.address})`,
    );
    expect(r.error!.message).toContain(
      `fix: install the Repository's ca.crt on the engine host as /etc/docker/certs.d/${registry.address}/ca.crt`,
    );
    expect(r.phases).toEqual([]);
    expect(r.lines.some((l) => l.includes('installed the CA'))).toBe(false);
  });
});
