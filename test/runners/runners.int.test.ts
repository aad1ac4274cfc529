import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AbortError, type ImageBuild, type Repository, type Runner } from '@imagebuild/core';
import { RegistryError } from '@imagebuild/core/errors';
import { EXPORT_FORMATS, artifactType } from '@imagebuild/core/resources';
import type { BuildResult, ExportResult } from '@imagebuild/core/runner';
import { EngineConnection, type EngineRunner } from '@imagebuild/engine';
import { RegistryClient, findArtifact } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fileInImage,
  leftovers,
  statInImageMount,
  pullImage,
  recordingRegistries,
  runInImage,
  socketProxy,
} from './engine-helpers.js';
import { ourDifferences, snapshot } from './engine-state.js';
import { PUBKEY, enrollmentConfig, harnessRepositories, imageBuild, imageExport } from './fixtures.js';

const env: HarnessEnv = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function makeRunner(kind: 'podman' | 'docker', options: ConstructorParameters<typeof EngineRunner>[1] = {}): Runner {
  const engine = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
  return kind === 'podman' ? new PodmanRunner({ engine, ...options }) : new DockerRunner({ engine, ...options });
}

async function blobDigest(repo: Repository, repository: string, digest: string): Promise<string> {
  const client = RegistryClient.fromRepository(repo);
  try {
    const blob = await client.getBlob(repository, digest);
    const h = createHash('sha256');
    for await (const chunk of blob.body) h.update(chunk as Buffer);
    return `sha256:${h.digest('hex')}`;
  } finally {
    await client.close();
  }
}

/**
 * Files left by the SDK in the temp dirs (the export work dir and the tmpfs secret dir), of one job
 * (their names carry the job id: other developers' runs may be exporting right now), or of any job.
 */
function sdkTempFiles(jobId?: string): string[] {
  const out: string[] = [];
  const prefix =
    jobId === undefined
      ? /^imagebuild-(export|secret)-/
      : new RegExp(`^imagebuild-(export|secret)-${jobId.replace(/[^A-Za-z0-9_.-]/g, '_')}-`);
  for (const base of [tmpdir(), '/dev/shm']) {
    for (const name of readdirSync(base)) if (prefix.test(name)) out.push(join(base, name));
  }
  return out;
}

describe.each(['podman', 'docker'] as const)('%s runner (real engine)', (kind) => {
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  let runner: Runner;
  let conn: EngineConnection;
  let lateBuild: ImageBuild;
  let lateResult: BuildResult;

  beforeAll(async () => {
    runner = makeRunner(kind);
    const info = await runner.ping();
    expect(info.kind).toBe(kind);
    conn = await EngineConnection.open({ url: `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}` });
  });
  afterAll(async () => {
    await runner.close();
  });

  it('early binding with a user, pushed to registry B (auth + TLS): filesystem as specified', async () => {
    const build = imageBuild({
      name: 'early',
      binding: 'early',
      destination: 'tls',
      imageName: `runners/${kind}-early`,
      tag: run,
      user: true,
    });
    const jobId = `early-${run}`;
    const op = runner.build(build, all, { enrollmentConfig: enrollmentConfig(), jobId, keepImage: true });
    const phases: string[] = [];
    const lines: string[] = [];
    op.on('phase', (p) => phases.push(p));
    op.on('log', (l) => lines.push(l));
    const result = await op.done();
    expect(phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
    expect(result.reference).toBe(`${env.registryTls}/runners/${kind}-early:${run}`);
    const client = RegistryClient.fromRepository(repos.tls);
    expect((await client.headManifest(`runners/${kind}-early`, run))?.digest).toBe(result.manifestDigest);
    await client.close();
    const out = await runInImage(
      conn,
      result.reference,
      'stat -c "%a %u" /etc/flightctl/config.yaml; ls /etc/systemd/system/multi-user.target.wants/; id alice; ' +
        'stat -c "%a" /home/alice/.ssh/authorized_keys; cat /home/alice/.ssh/authorized_keys; ls /usr/bin/ignition 2>&1 || true',
    );
    expect(out).toContain('600 0');
    expect(out).toContain('flightctl-agent.service');
    expect(out).toMatch(/uid=\d+\(alice\)/);
    expect(out).toContain(PUBKEY);
    expect(out).not.toMatch(/^\/usr\/bin\/ignition$/m);
    expect(lines.join('\n')).not.toContain(env.registryPassword);
    // keepImage: the image stays, labelled; cleanup() removes it.
    expect((await runner.listResources({ jobId })).some((r) => r.kind === 'image')).toBe(true);
    const report = await runner.cleanup({ jobId });
    expect(report.failed).toEqual([]);
    expect(await leftovers(conn, jobId, result.reference)).toEqual([]);
  });

  it('late binding pushed to registry A: late-binding packages, no agent config, local image removed', async () => {
    lateBuild = imageBuild({
      name: 'late',
      binding: 'late',
      destination: 'plain',
      imageName: `runners/${kind}-late`,
      tag: run,
    });
    const jobId = `late-${run}`;
    lateResult = await runner.build(lateBuild, all, { jobId }).done();
    expect(lateResult.platformManifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await leftovers(conn, jobId, lateResult.reference)).toEqual([]);
    const pull = await conn.docker.pull(lateResult.reference);
    await new Promise((resolve, reject) =>
      conn.docker.modem.followProgress(pull, (e: unknown) => (e ? reject(e) : resolve(null))),
    );
    try {
      const out = await runInImage(
        conn,
        lateResult.reference,
        'cat /var/lib/dnf-standin/installed; ls /etc/flightctl/config.yaml 2>&1; ls /etc/systemd/system/multi-user.target.wants/',
      );
      for (const p of ['ignition', 'afterburn', 'cloud-init', 'flightctl-agent'])
        expect(out).toMatch(new RegExp(`^${p} `, 'm'));
      expect(out).toMatch(/config\.yaml: No such file/);
      expect(out).toContain('flightctl-agent.service');
    } finally {
      await conn.docker.getImage(lateResult.reference).remove({ force: true });
    }
  });

  /** A KubeVirt containerdisk: skopeo sees artifactType + subject; the engine pulls it by digest; /disk/disk.qcow2 is the converter's file, 107:107 0440. */
  async function checkContainerDisk(r: ExportResult, diskSha: string): Promise<void> {
    const ref = `${env.registryPlain}/runners/${kind}-late@${r.manifestDigest}`;
    const raw = JSON.parse(
      execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }),
    ) as {
      mediaType: string;
      artifactType: string;
      subject: { digest: string };
      config: { mediaType: string };
      layers: unknown[];
      annotations: Record<string, string>;
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(raw.artifactType).toBe('application/vnd.kubevirt.containerdisk');
    expect(raw.annotations['org.opencontainers.image.title']).toBe('containerdisk');
    expect(raw.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(raw.layers).toHaveLength(1);
    expect(`${env.registryPlain}/runners/${kind}-late@${raw.subject.digest}`).toBe(r.subject);
    const config = JSON.parse(
      execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }),
    ) as {
      os: string;
      architecture: string;
      rootfs: { diff_ids: string[] };
    };
    expect(`${config.os}/${config.architecture}`).toBe(lateResult.platform);
    expect(config.rootfs.diff_ids).toEqual([r.layerDigest]);
    await pullImage(conn, ref);
    try {
      const disk = await fileInImage(conn, ref, '/disk/disk.qcow2');
      expect(disk).toMatchObject({ mode: 0o440, sha256: diskSha });
      if (kind === 'docker') expect(disk).toMatchObject({ uid: 107, gid: 107 });
      // podman's archive API reports files as owned by root: read the owner from the image mounted into a busybox container.
      else
        expect(await statInImageMount(conn, ref, '/cd/disk/disk.qcow2', env.baseImage)).toBe(
          `107 107 440 ${diskSha.slice(7)}`,
        );
    } finally {
      await conn.json({
        method: 'DELETE',
        path: conn.compat(`/images/${encodeURIComponent(ref)}`),
        query: { force: true },
        ok: [200, 404],
      });
    }
  }

  it('exports every format with the converter stand-in; each artifact is found from the image, bytes equal', async () => {
    const pushed = new Map<string, string>();
    const exporter = makeRunner(kind, { registries: recordingRegistries(pushed) });
    for (const format of EXPORT_FORMATS) {
      const op = exporter.export(imageExport(`x-${format}`, 'late', format), lateBuild, all, {
        converterImage: env.bibImage,
        jobId: `x-${run}`,
      });
      const phases: string[] = [];
      op.on('phase', (p) => phases.push(p));
      const r = await op.done();
      expect(phases).toEqual(['Converting', 'Pushing']);
      expect(r.artifactType).toBe(artifactType(format));
      const client = RegistryClient.fromRepository(repos.plain);
      const found = await findArtifact(client, `runners/${kind}-late`, run, artifactType(format));
      await client.close();
      expect(found.digest).toBe(r.manifestDigest);
      const layerBlob = await blobDigest(repos.plain, `runners/${kind}-late`, r.layerDigest);
      if (format === 'qcow2-disk-container') {
        expect(layerBlob).toBe(r.layerDigest);
        await checkContainerDisk(r, pushed.get(artifactType(format))!);
      } else {
        expect(layerBlob).toBe(pushed.get(artifactType(format)));
        expect(r.layerDigest).toBe(pushed.get(artifactType(format)));
      }
    }
    expect(await leftovers(conn, `x-${run}`)).toEqual([]);
    expect(sdkTempFiles(`x-${run}`)).toEqual([]);
  });

  it('export from registry B: credentials reach the converter without appearing in inspect, logs or files', async () => {
    const build = imageBuild({
      name: 'sec',
      binding: 'late',
      destination: 'tls',
      imageName: `runners/${kind}-sec`,
      tag: run,
    });
    await runner.build(build, all, { jobId: `sec-${run}` }).done();
    const op = runner.export(imageExport('x-sec', 'sec', 'qcow2'), build, all, {
      converterImage: env.bibImage,
      jobId: `xsec-${run}`,
    });
    const seen: string[] = [];
    let inspected = '';
    let converting = false;
    op.on('log', (l) => {
      seen.push(l);
      // the runner's own lines come first; the converter container runs once it logs "converting …"
      if (l.startsWith('converting ')) converting = true;
      else if (converting && inspected === '') {
        inspected = 'pending';
        void (async () => {
          const ids = await runner.listResources({ jobId: `xsec-${run}` });
          const c = ids.find((i) => i.kind === 'container');
          if (c)
            inspected = JSON.stringify(
              await conn.json({ method: 'GET', path: conn.compat(`/containers/${c.id}/json`) }),
            );
        })();
      }
    });
    const r = await op.done();
    expect(r.manifestDigest).toMatch(/^sha256:/);
    expect(inspected).toContain('/run/containers/0');
    const b64 = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString('base64');
    for (const text of [inspected, seen.join('\n')]) {
      expect(text).not.toContain(env.registryPassword);
      expect(text).not.toContain(b64);
    }
    expect(sdkTempFiles(`xsec-${run}`)).toEqual([]);
  });

  it('cancel at random points during the build, the push and the conversion: container and image lists return to their state before', async () => {
    const points: Array<{ what: 'build' | 'push' | 'convert'; after: number }> = [
      { what: 'build', after: Math.floor(Math.random() * 8) },
      { what: 'build', after: 8 + Math.floor(Math.random() * 25) },
      { what: 'push', after: Math.floor(Math.random() * 4) },
      { what: 'convert', after: Math.floor(Math.random() * 3) },
    ];
    for (const [i, point] of points.entries()) {
      const jobId = `cancel-${i}-${run}`;
      const name = `runners/${kind}-cancel${i}`;
      const build = imageBuild({ name: 'c', binding: 'late', destination: 'plain', imageName: name, tag: run });
      const printed: string[] = [];
      const before = await snapshot(conn);
      let op: ReturnType<typeof runner.export> | ReturnType<typeof runner.build>;
      if (point.what === 'convert') {
        op = runner.export(imageExport('xc', 'late', 'qcow2'), lateBuild, all, {
          converterImage: env.bibImage,
          jobId,
          noReuse: true,
        });
        let n = 0;
        op.on('log', () => {
          if (n++ === point.after) op!.abort();
        });
      } else {
        const bop = runner.build(build, all, { jobId, noCache: true });
        op = bop;
        let n = 0;
        let pushLines = 0;
        let pushing = false;
        bop.on('log', (l) => {
          if (l.startsWith('[imagebuild] ')) return; // the runner's own lines before the engine starts
          const m = /(?:-{2,3}> |^)([0-9a-f]{11,64})$/.exec(l.trim());
          if (m?.[1]) printed.push(m[1]);
          if (point.what === 'build' && n++ === point.after) bop.abort();
          if (point.what === 'push' && pushing && pushLines++ === point.after) bop.abort();
        });
        bop.on('phase', (p) => {
          pushing = p === 'Pushing';
        });
      }
      const err = await op.done().then(
        () => undefined,
        (e: unknown) => e,
      );
      const label = `${point.what} after ${point.after} lines`;
      expect(err, label).toBeInstanceOf(AbortError);
      const after = await snapshot(conn);
      const problems = ourDifferences(before, after, {
        jobId,
        printedIds: printed,
        repository: `${env.registryPlain}/${name}`,
        baseImages: [`${env.registryPlain}/fixtures/bootc-base:latest`, env.bibImage],
      });
      expect(problems, label).toEqual([]);
      expect(sdkTempFiles(jobId), label).toEqual([]);
    }
  });

  it('engine socket cut mid-build: fails within 5 s with a clear message', async () => {
    const proxy = await socketProxy(kind === 'podman' ? env.podmanSocket : env.dockerSocket);
    const cutRunner = makeRunner(kind, { engine: proxy.url });
    try {
      const build = imageBuild({
        name: 'cut',
        binding: 'late',
        destination: 'plain',
        imageName: `runners/${kind}-cut`,
        tag: run,
      });
      const op = cutRunner.build(build, all, { jobId: `cut-${run}`, noCache: true });
      let cutAt = 0;
      op.on('log', (l) => {
        if (cutAt === 0 && !l.startsWith('[imagebuild] ')) {
          cutAt = Date.now();
          proxy.cut();
        }
      });
      const err = await op.done().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(cutAt).toBeGreaterThan(0);
      expect(Date.now() - cutAt).toBeLessThan(5000);
      expect(err?.message).toMatch(/connection lost during build/);
      expect(err?.message).toContain(kind);
    } finally {
      proxy.close();
      await runner.cleanup({ jobId: `cut-${run}` });
    }
  });

  it('wrong credentials: fails naming the registry; the canary password appears nowhere', async () => {
    const canary = `canary-${run}-Pw`;
    const bad = harnessRepositories(env, canary);
    const build = imageBuild({
      name: 'bad',
      binding: 'late',
      destination: 'tls',
      imageName: `runners/${kind}-bad`,
      tag: run,
    });
    const op = runner.build(build, [bad.plain, bad.tls], { jobId: `bad-${run}` });
    const events: string[] = [];
    op.on('log', (l) => events.push(l));
    op.on('progress', (p) => events.push(JSON.stringify(p)));
    const err = await op.done().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(RegistryError);
    expect(err?.message).toContain(env.registryTls);
    const everything = [
      events.join('\n'),
      err?.message ?? '',
      JSON.stringify(err),
      String(err?.stack),
      JSON.stringify((err as { cause?: unknown }).cause ?? null),
    ].join('\n');
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(Buffer.from(canary).toString('base64').replace(/=+$/, ''));
    for (const f of sdkTempFiles())
      expect(statSync(f).isDirectory() ? '' : readFileSync(f, 'utf8')).not.toContain(canary);
    expect(await leftovers(conn, `bad-${run}`, `${env.registryTls}/runners/${kind}-bad:${run}`)).toEqual([]);
  });
});
