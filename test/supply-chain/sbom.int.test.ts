import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageBuild, parseRepository, type ImageBuild, type Runner } from '@imagebuild/core';
import { SBOM_MEDIA_TYPE, type BuildResult } from '@imagebuild/core/runner';
import { EngineConnection } from '@imagebuild/engine';
import { openImageFiles } from '@imagebuild/engine/dialect';
import { RegistryClient, type ImageManifest } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { copyBaseFixture, pushImageWithoutRpmdb } from './fixture-images.js';
import { startRefusingRegistry, type RefusingRegistry } from './refusing-registry.js';
import { byName, rpmQueryAll, sbomPackages, schemaErrors } from './sbom-support.js';

const env = loadHarnessEnv();
const run = `sc${Date.now().toString(36)}`;
const repo = (name: string, registry: string) =>
  parseRepository({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry, scheme: 'http', accessMode: 'ReadWrite' },
  });
const build = (name: string, dest: string, source = 'supply-chain/base', sourceTag = run): ImageBuild =>
  parseImageBuild({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name },
    spec: {
      source: { repository: 'plain', imageName: source, imageTag: sourceTag },
      destination: { repository: dest, imageName: `supply-chain/${name}`, imageTag: run },
      binding: { type: 'late' },
    },
  });

async function runBuild(runner: Runner, ib: ImageBuild, repos: ReturnType<typeof repo>[], keepImage = false) {
  const phases: string[] = [];
  const lines: string[] = [];
  const op = runner.build(ib, repos, { jobId: `${ib.metadata.name}-${run}`, keepImage });
  op.on('phase', (p) => phases.push(p));
  op.on('log', (l) => lines.push(l));
  const result: BuildResult = await op.done();
  return { phases, lines, result };
}

let noRpmdbSource: string;
beforeAll(() => {
  copyBaseFixture(env, run);
  noRpmdbSource = pushImageWithoutRpmdb(env, run);
});

describe.each(['podman', 'docker'] as const)('SBOM on %s', (kind) => {
  const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
  const plain = repo('plain', env.registryPlain);
  let runner: Runner;
  let conn: EngineConnection;
  let refusing: RefusingRegistry;

  beforeAll(async () => {
    runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}`, name: kind })
        : new DockerRunner({ engine: `unix://${socket}`, name: kind });
    conn = await EngineConnection.open({ url: `unix://${socket}` });
    refusing = await startRefusingRegistry(env.registryPlain, SBOM_MEDIA_TYPE);
  });
  afterAll(async () => {
    await refusing.close();
    await runner.close();
  });

  it('GeneratingSBOM pushes a schema-valid CycloneDX referrer listing every rpm -qa package, every field', async () => {
    const name = `${kind}-sbom`;
    const { phases, result } = await runBuild(runner, build(name, 'plain'), [plain], true);
    expect(phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(result.sbomError, result.sbomError).toBeUndefined();
    expect(result.sbom).toMatchObject({ generator: 'native', components: 5 });

    // Found by referrer lookup of the platform manifest, laid out as upstream pushes it.
    const client = RegistryClient.fromRepository(plain);
    const files = openImageFiles(conn, result.reference, `${name}-check-${run}`);
    try {
      const repository = `supply-chain/${name}`;
      const referrers = await client.listReferrers(repository, result.platformManifestDigest, {
        artifactType: SBOM_MEDIA_TYPE,
      });
      expect(referrers.map((r) => r.digest)).toEqual([result.sbom!.manifestDigest]);
      const manifest = (await client.getManifest(repository, result.sbom!.manifestDigest)).manifest as ImageManifest;
      expect(manifest.artifactType).toBe(SBOM_MEDIA_TYPE);
      expect(manifest.subject?.digest).toBe(result.platformManifestDigest);
      expect(manifest.layers).toHaveLength(1);
      expect(manifest.layers[0]).toMatchObject({ mediaType: SBOM_MEDIA_TYPE, digest: result.sbom!.layerDigest });
      expect(manifest.annotations?.['org.opencontainers.image.title']).toBe('sbom.cdx.json');
      const blob = await client.getBlob(repository, result.sbom!.layerDigest);
      const chunks: Buffer[] = [];
      for await (const c of blob.body) chunks.push(c as Buffer);
      const json = Buffer.concat(chunks).toString('utf8');
      expect(await schemaErrors(json)).toBeNull();

      const doc = JSON.parse(json);
      expect(doc.specVersion).toBe('1.6');
      expect(doc.metadata.component).toMatchObject({
        type: 'container',
        name: `${env.registryPlain}/${repository}`,
        purl: `pkg:oci/${name}@${result.manifestDigest}?arch=amd64&repository_url=${encodeURIComponent(`${env.registryPlain}/${repository}`)}&tag=${run}`,
      });
      const os = doc.components.filter((c: { type: string }) => c.type === 'operating-system');
      expect(os).toMatchObject([{ name: 'imagebuild-standin', version: '9' }]);

      // The same database, read by Debian's rpm: every package, every field.
      const expected = await rpmQueryAll(files.reader, '/usr/lib/sysimage/rpm');
      expect(expected.length).toBe(4);
      expect(sbomPackages(doc).sort(byName)).toEqual(expected.sort(byName));
      for (const c of doc.components.filter((x: { type: string }) => x.type === 'library')) {
        const p = sbomPackages({ components: [c] })[0]!;
        const evr = `${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}-${p.release}`;
        expect(c.purl).toBe(`pkg:rpm/imagebuild-standin/${p.name}@${evr}?arch=${p.arch}&distro=imagebuild-standin-9`);
      }
    } finally {
      await files.close();
      await client.close();
      await conn.json({
        method: 'DELETE',
        path: conn.compat(`/images/${encodeURIComponent(result.reference)}`),
        ok: [200, 404],
      });
    }
  });

  it('an image without an RPM database: the build completes, the SBOM error says why', async () => {
    const { phases, result } = await runBuild(runner, build(`${kind}-nodb`, 'plain', noRpmdbSource, run), [plain]);
    expect(phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(result.sbom).toBeUndefined();
    expect(result.sbomError).toMatch(
      /no RPM database in the image \(looked for rpmdb\.sqlite in \/usr\/lib\/sysimage\/rpm/,
    );
  });

  it('a registry refusing the SBOM push: the image is pushed, the build completes with the refusal', async () => {
    const dest = repo('refusing', refusing.address);
    const before = refusing.refused;
    const { result } = await runBuild(runner, build(`${kind}-refused`, 'refusing'), [plain, dest]);
    expect(result.manifestDigest).toMatch(/^sha256:/);
    expect(refusing.refused, result.sbomError).toBe(before + 1);
    expect(result.sbom).toBeUndefined();
    expect(result.sbomError).toMatch(/403|denied/i);
  });

  it('sbom: false skips the phase', async () => {
    const op = runner.build(build(`${kind}-nosbom`, 'plain'), [plain], { sbom: false });
    const phases: string[] = [];
    op.on('phase', (p) => phases.push(p));
    const result = await op.done();
    expect(phases).toEqual(['Building', 'Pushing']);
    expect(result.sbom).toBeUndefined();
  });
});
