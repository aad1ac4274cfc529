import type { ImageBuild, Runner } from '@imagebuild/core';
import { RegistryError } from '@imagebuild/core/errors';
import { BUILD_KEY_LABEL, type BuildResult } from '@imagebuild/core/runner';
import { EngineConnection, ociRegistryAccess } from '@imagebuild/engine';
import { RegistryClient } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAndPushDerived, copyImage, tagLocally, untag } from './build-helpers.js';
import { leftovers, pullImage, runInImage } from './engine-helpers.js';
import { harnessRepositories, imageBuild } from './fixtures.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

interface Run {
  result: BuildResult | undefined;
  error: Error | undefined;
  phases: string[];
  lines: string[];
}

async function build(runner: Runner, ib: ImageBuild, options: Parameters<Runner['build']>[2]): Promise<Run> {
  const repos = harnessRepositories(env);
  return buildWith(runner, ib, [repos.plain, repos.tls], options);
}

async function buildWith(
  runner: Runner,
  ib: ImageBuild,
  repos: Parameters<Runner['build']>[1],
  options: Parameters<Runner['build']>[2],
): Promise<Run> {
  const op = runner.build(ib, repos, options);
  const out: Run = { result: undefined, error: undefined, phases: [], lines: [] };
  op.on('phase', (p) => out.phases.push(p));
  op.on('log', (l) => out.lines.push(l));
  await op.done().then(
    (r) => {
      out.result = r;
    },
    (e: unknown) => {
      out.error = e as Error;
    },
  );
  return out;
}

describe.each(['podman', 'docker'] as const)('%s: pinned sources, build reuse, registry pre-checks', (kind) => {
  const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
  const repos = harnessRepositories(env);
  const baseRepo = `runners/pin-base-${kind}`;
  const baseRef = `${env.registryPlain}/${baseRepo}:${run}`;
  let runner: Runner;
  let conn: EngineConnection;
  let plain: RegistryClient;
  const localRefs: string[] = [];

  beforeAll(async () => {
    runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}` })
        : new DockerRunner({ engine: `unix://${socket}` });
    conn = await EngineConnection.open({ url: `unix://${socket}` });
    plain = RegistryClient.fromRepository(repos.plain);
  });
  afterAll(async () => {
    for (const ref of localRefs) await untag(conn, ref);
    await plain.close();
    await runner.close();
  });

  async function labelsOf(result: BuildResult, repository: string): Promise<Record<string, string>> {
    const access = ociRegistryAccess(repos.plain);
    try {
      const found = await access.imageLabels(repository, run, result.platform, AbortSignal.timeout(30_000));
      return found?.labels ?? {};
    } finally {
      await access.close();
    }
  }

  it('the rebuild after the source tag moved contains the new base; an unchanged build is reused', async () => {
    const v1 = await copyImage(plain, 'fixtures/bootc-base', 'latest', plain, baseRepo, run);
    // The engine holds the tag locally as v1 (the stale-base situation).
    await pullImage(conn, baseRef);
    localRefs.push(baseRef);
    const v1Id = (
      await conn.json<{ Id: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(baseRef)}/json`),
      })
    ).Id;

    const target = `runners/${kind}-pinned`;
    const ib = imageBuild({
      name: 'pinned',
      binding: 'late',
      destination: 'plain',
      imageName: target,
      tag: run,
      sourceImage: baseRepo,
      sourceTag: run,
    });
    const first = await build(runner, ib, { jobId: `pin1-${run}` });
    expect(first.error).toBeUndefined();
    expect(first.lines).toContain(
      `[imagebuild] source ${baseRef} resolved to ${v1}; building FROM ${env.registryPlain}/${baseRepo}@${v1}`,
    );
    const firstLabels = await labelsOf(first.result!, target);
    expect(firstLabels['org.opencontainers.image.base.name']).toBe(baseRef);
    expect(firstLabels['org.opencontainers.image.base.digest']).toBe(v1);
    expect(firstLabels[BUILD_KEY_LABEL]).toMatch(/^sha256:[0-9a-f]{64}$/);
    // podman writes OCI manifests and takes annotations; dockerd 20.10 writes Docker v2 manifests (labels only).
    const annotations = (await plain.getManifest(target, run)).manifest.annotations ?? {};
    if (kind === 'podman')
      expect(annotations).toMatchObject({
        'org.opencontainers.image.base.name': baseRef,
        'org.opencontainers.image.base.digest': v1,
      });

    // v2: a different image under the same tag; the engine's local tag is put back on v1.
    const marker = `v2-${run}`;
    await buildAndPushDerived(conn, `${env.registryPlain}/${baseRepo}@${v1}`, baseRef, marker);
    const v2 = (await plain.headManifest(baseRepo, run))!.digest;
    expect(v2).not.toBe(v1);
    const v2Id = (
      await conn.json<{ Id: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(baseRef)}/json`),
      })
    ).Id;
    await tagLocally(conn, v1Id, baseRef);
    localRefs.push(v2Id);

    const second = await build(runner, ib, { jobId: `pin2-${run}` });
    expect(second.error).toBeUndefined();
    expect(second.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(second.lines).toContain(`[imagebuild] building: the source tag ${baseRef} moved from ${v1} to ${v2}`);
    expect(second.result!.manifestDigest).not.toBe(first.result!.manifestDigest);
    const secondLabels = await labelsOf(second.result!, target);
    expect(secondLabels['org.opencontainers.image.base.digest']).toBe(v2);
    expect(secondLabels[BUILD_KEY_LABEL]).not.toBe(firstLabels[BUILD_KEY_LABEL]);
    await pullImage(conn, second.result!.reference);
    // by id as well: later builds move the tag, which leaves this pulled image dangling
    const pulledId = (
      await conn.json<{ Id: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(second.result!.reference)}/json`),
      })
    ).Id;
    localRefs.push(second.result!.reference, pulledId);
    expect((await runInImage(conn, second.result!.reference, 'cat /pin-version')).trim()).toBe(marker);
    // The engine's own tag still says v1: the build used the pinned digest, not the local tag.
    expect(
      (
        await conn.json<{ Id: string }>({
          method: 'GET',
          path: conn.compat(`/images/${encodeURIComponent(baseRef)}/json`),
        })
      ).Id,
    ).toBe(v1Id);

    // Unchanged inputs: completes from the destination without building.
    const third = await build(runner, ib, { jobId: `pin3-${run}` });
    expect(third.error).toBeUndefined();
    expect(third.phases).toEqual([]);
    // the reused result is the pushed image's; the SBOM belongs to the run that generated it
    const { sbom: _sbom, ...pushed } = second.result as NonNullable<typeof second.result> & { sbom?: unknown };
    expect(third.result).toEqual(pushed);
    const reuse = third.lines.find((l) => l.startsWith('[imagebuild] reusing: '));
    expect(reuse).toContain(`has the same build key ${secondLabels[BUILD_KEY_LABEL]}`);
    expect(reuse).toContain(v2);
    expect(await leftovers(conn, `pin3-${run}`)).toEqual([]);

    // noCache rebuilds; so does a changed spec.
    const fourth = await build(runner, ib, { jobId: `pin4-${run}`, noCache: true });
    expect(fourth.error).toBeUndefined();
    expect(fourth.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(fourth.lines.some((l) => l.includes('noCache: building without looking for a reusable image'))).toBe(true);
    const kept = await build(runner, ib, { jobId: `pin6-${run}`, keepImage: true });
    expect(kept.error).toBeUndefined();
    expect(kept.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(kept.lines.some((l) => l.includes('keepImage: building without looking for a reusable image'))).toBe(true);
    expect((await runner.cleanup({ jobId: `pin6-${run}` })).failed).toEqual([]);
    const changed = imageBuild({
      name: 'pinned',
      binding: 'late',
      destination: 'plain',
      imageName: target,
      tag: run,
      sourceImage: baseRepo,
      sourceTag: run,
      user: true,
    });
    const fifth = await build(runner, changed, { jobId: `pin5-${run}` });
    expect(fifth.error).toBeUndefined();
    expect(fifth.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(fifth.lines).toContain(
      `[imagebuild] building: the build key differs from the image at ${env.registryPlain}/${target}:${run} (spec, enrollment config, agent source or generator version changed)`,
    );
  });

  it('an unreadable image at the destination (no image for this platform) is rebuilt over, saying why', async () => {
    const target = `runners/${kind}-other-platform`;
    const base = await copyImage(plain, 'fixtures/bootc-base', 'latest', plain, target, `base-${run}`);
    const size = (await plain.headManifest(target, base))!.size;
    await plain.putManifest(
      target,
      run,
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: base,
            size,
            platform: { os: 'linux', architecture: 's390x' },
          },
        ],
      },
      { mediaType: 'application/vnd.oci.image.index.v1+json' },
    );
    const ib = imageBuild({ name: 'other', binding: 'late', destination: 'plain', imageName: target, tag: run });
    const r = await build(runner, ib, { jobId: `op-${run}` });
    expect(r.error).toBeUndefined();
    expect(r.phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    const why = r.lines.find((l) => l.startsWith('[imagebuild] building: '));
    expect(why).toContain(`read ${env.registryPlain}/${target}:${run} for Repository "plain" on ${env.registryPlain}`);
    expect(why).toContain('not found in manifest list');
  });

  it('a wrong destination password fails before building, naming the Repository and its registry', async () => {
    const bad = harnessRepositories(env, `wrong-${run}`);
    const ib = imageBuild({
      name: 'baddest',
      binding: 'late',
      destination: 'tls',
      imageName: `runners/${kind}-bd`,
      tag: run,
    });
    const r = await buildWith(runner, ib, [repos.plain, bad.tls], { jobId: `bd-${run}` });
    expect(r.error).toBeInstanceOf(RegistryError);
    expect(r.error!.message).toContain(
      `push access check to runners/${kind}-bd for Repository "tls" on ${env.registryTls}`,
    );
    expect(r.error!.message).toMatch(/401/);
    expect(r.error!.message).toBe(r.error!.message.trimEnd());
    expect(r.phases).toEqual([]);
    expect(await leftovers(conn, `bd-${run}`)).toEqual([]);
  });

  it('a wrong source password fails before building, naming the Repository and its registry', async () => {
    const bad = harnessRepositories(env, `wrong-${run}`);
    const ib = imageBuild({
      name: 'badsrc',
      binding: 'late',
      source: 'tls',
      destination: 'plain',
      imageName: `runners/${kind}-bs`,
      tag: run,
    });
    const r = await buildWith(runner, ib, [repos.plain, bad.tls], { jobId: `bs-${run}` });
    expect(r.error).toBeInstanceOf(RegistryError);
    expect(r.error!.message).toContain(
      `resolve source fixtures/bootc-base:latest for Repository "tls" on ${env.registryTls}`,
    );
    expect(r.error!.message).toMatch(/401/);
    expect(r.phases).toEqual([]);
  });

  it('a source tag that does not exist fails before building, naming the Repository', async () => {
    const ib = imageBuild({
      name: 'nosrc',
      binding: 'late',
      destination: 'plain',
      imageName: `runners/${kind}-ns`,
      tag: run,
      sourceTag: `missing-${run}`,
    });
    const r = await build(runner, ib, { jobId: `ns-${run}` });
    expect(r.error).toBeInstanceOf(RegistryError);
    expect(r.error!.message).toBe(
      `resolve source fixtures/bootc-base:missing-${run} for Repository "plain" on ${env.registryPlain}: fixtures/bootc-base:missing-${run} does not exist (manifest unknown)`,
    );
    expect(r.phases).toEqual([]);
  });
});
