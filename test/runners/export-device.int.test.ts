// The converter side of issue 11 on both engines: the disk records the destination tag as its bootc
// target while its content is the built digest; stage progress; pinned/refreshed converter with -w
// /output; persistent caches; reuse of an identical export; nothing left behind.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, type ImageBuild, type Runner } from '@imagebuild/core';
import type { BuildResult, ConverterStage } from '@imagebuild/core/runner';
import { EngineConnection, type EngineRunner } from '@imagebuild/engine';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converterCacheFile, leftovers } from './engine-helpers.js';
import { BIB_CONTRACT_IMAGE, downloadExport, fromTar } from './export-helpers.js';
import { harnessRepositories, imageBuild, imageExport } from './fixtures.js';

const env: HarnessEnv = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function sdkTempFiles(jobId: string): string[] {
  const prefix = new RegExp(`^imagebuild-(export|secret)-${jobId.replace(/[^A-Za-z0-9_.-]/g, '_')}-`);
  return [tmpdir(), '/dev/shm'].flatMap((base) => readdirSync(base).filter((n) => prefix.test(n)));
}

describe.each(['podman', 'docker'] as const)('%s: exports as a device sees them', (kind) => {
  const url = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const work = mkdtempSync(join(tmpdir(), 'ib-export-device-'));
  const cache = join(work, 'cache');
  let runner: EngineRunner & Runner;
  let conn: EngineConnection;
  let build: ImageBuild;
  let built: BuildResult;
  const repository = `runners/${kind}-device`;

  beforeAll(async () => {
    const opts = { engine: url, converterCache: cache };
    runner = kind === 'podman' ? new PodmanRunner(opts) : new DockerRunner(opts);
    conn = await EngineConnection.open({ url });
    build = imageBuild({ name: 'dev', binding: 'late', destination: 'plain', imageName: repository, tag: run });
    built = await runner.build(build, all, { jobId: `dev-${run}` }).done();
    build = { ...build, status: { manifestDigest: built.manifestDigest, imageReference: built.reference } };
  });
  afterAll(async () => {
    await runner.clearConverterCache();
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the disk records the destination tag as its bootc target, its content is the built digest; stages in order', async () => {
    const jobId = `tag-${run}`;
    const op = runner.export(imageExport('x-raw', 'dev', 'raw'), build, all, {
      converterImage: BIB_CONTRACT_IMAGE,
      jobId,
      converterConfig: { kernelArgs: [`device.run=${run}`] },
    });
    const stages: ConverterStage[] = [];
    const lines: string[] = [];
    op.on('stage', (s) => stages.push(s));
    op.on('log', (l) => lines.push(l));
    const r = await op.done();
    const tag = `${env.registryPlain}/${repository}:${run}`;
    expect(r.subject).toBe(`${env.registryPlain}/${repository}@${built.platformManifestDigest}`);

    const file = join(work, `${kind}-disk.raw`);
    const dl = await downloadExport(repos.plain, repository, r.manifestDigest, file);
    expect(dl.digest).toBe(r.layerDigest);
    const info = JSON.parse(fromTar(file, './usr/lib/bib-standin/build.json')) as Record<string, string>;
    expect(info['bootcTarget']).toBe(tag);
    expect(info['bootcTargetDigest']).toBe(built.platformManifestDigest);
    expect(info['imageDigest']).toBe(built.platformManifestDigest);
    const origin = fromTar(
      file,
      `./ostree/deploy/default/deploy/${String(info['imageId']).replace(/^sha256:/, '')}.0.origin`,
    );
    expect(origin).toContain(`container-image-reference=ostree-unverified-registry:${tag}\n`);
    expect(info['imageRef']).not.toContain('@');

    // stages: 1..k in the order the converter printed them, with the manifest's count
    const printed = lines.filter((l) => /^org\.osbuild\.[\w.-]+: [0-9a-f]{64}/.test(l)).map((l) => l.split(':')[0]);
    expect(stages.map((s) => s.name)).toEqual(printed);
    expect(stages.map((s) => s.index)).toEqual(stages.map((_, i) => i + 1));
    expect(stages.length).toBeGreaterThan(3);
    expect(stages.every((s) => s.count === stages.length)).toBe(true);
    expect(stages.map((s) => s.name)).toContain('org.osbuild.ostree.config');
    expect(stages.findIndex((s) => s.name === 'org.osbuild.selinux')).toBeLessThan(
      stages.findIndex((s) => s.name === 'org.osbuild.ostree.config'),
    );
    expect(lines).toContain('Build complete!');

    // the caches were given to the converter and persist; nothing else is left
    expect(await converterCacheFile(conn, cache, 'store', 'imagebuild-standin/runs')).toContain('raw');
    expect(await leftovers(conn, jobId)).toEqual([]);
    expect(sdkTempFiles(jobId)).toEqual([]);
  });

  it('an identical export is reused without converting; a changed configuration converts again', async () => {
    const options = { converterImage: BIB_CONTRACT_IMAGE, converterConfig: { kernelArgs: [`reuse.run=${run}`] } };
    const first = await runner.export(imageExport('x-q1', 'dev', 'qcow2'), build, all, options).done();
    const op = runner.export(imageExport('x-q2', 'dev', 'qcow2'), build, all, { ...options, jobId: `reuse-${run}` });
    const lines: string[] = [];
    const stages: ConverterStage[] = [];
    const phases: string[] = [];
    op.on('log', (l) => lines.push(l));
    op.on('stage', (s) => stages.push(s));
    op.on('phase', (p) => phases.push(p));
    const again = await op.done();
    expect(again).toEqual(first);
    expect(phases).toEqual(['Converting', 'Pushing']);
    expect(lines.some((l) => l.startsWith(`reused application/vnd.qcow2 artifact ${first.manifestDigest}`))).toBe(true);
    expect(stages).toEqual([]);
    expect(lines.some((l) => l.startsWith('converting '))).toBe(false);

    const changed = await runner
      .export(imageExport('x-q3', 'dev', 'qcow2'), build, all, {
        converterImage: BIB_CONTRACT_IMAGE,
        converterConfig: { kernelArgs: [`reuse.run=${run}`, 'changed=1'] },
      })
      .done();
    expect(changed.manifestDigest).not.toBe(first.manifestDigest);
    const forced = await runner
      .export(imageExport('x-q4', 'dev', 'qcow2'), build, all, { ...options, noReuse: true })
      .done();
    expect(forced.layerDigest).toBe(first.layerDigest); // the stand-in is reproducible: same bytes, converted again
  });

  it('a converter image without WORKDIR /output works: the runner passes -w /output', async () => {
    const tag = `localhost/bib-noworkdir:${kind}-${run}`;
    const c = await conn.json<{ Id: string }>({
      method: 'POST',
      path: conn.compat('/containers/create'),
      json: { Image: BIB_CONTRACT_IMAGE, Entrypoint: ['true'], Labels: { 'io.imagebuild.job': `noworkdir-${run}` } },
      ok: [201],
    });
    try {
      const [repo, t] = tag.split(':') as [string, string];
      await conn.json({
        method: 'POST',
        path: conn.compat('/commit'),
        query: { container: c!.Id, repo, tag: t, changes: 'WORKDIR /' },
        json: {},
        ok: [200, 201],
      });
      const inspect = await conn.json<{ Config: { WorkingDir: string } }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(tag)}/json`),
      });
      expect(inspect?.Config.WorkingDir || '/').toBe('/');
      const r = await runner
        .export(imageExport('x-wd', 'dev', 'vhd'), build, all, { converterImage: tag, noReuse: true })
        .done();
      expect(r.artifactType).toBe('application/vnd.vhd');
    } finally {
      await conn.json({
        method: 'DELETE',
        path: conn.compat(`/containers/${c!.Id}`),
        query: { force: true },
        ok: [200, 204, 404],
      });
      await conn.json({
        method: 'DELETE',
        path: conn.compat(`/images/${encodeURIComponent(tag)}`),
        query: { force: true },
        ok: [200, 404],
      });
    }
  });

  it('abort mid-conversion: the converter container and the work folder are gone', async () => {
    const jobId = `abort-${run}`;
    const op = runner.export(imageExport('x-ab', 'dev', 'gce'), build, all, {
      converterImage: BIB_CONTRACT_IMAGE,
      jobId,
      noReuse: true,
    });
    op.on('stage', (s) => {
      if (s.index === 2) op.abort();
    });
    await expect(op.done()).rejects.toBeInstanceOf(AbortError);
    expect(await leftovers(conn, jobId)).toEqual([]);
    expect(sdkTempFiles(jobId)).toEqual([]);
  });
});
