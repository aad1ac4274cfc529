import { EngineConnection } from '@imagebuild/engine';
import { RegistryClient } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftovers, runInImage } from './engine-helpers.js';
import { enrollmentConfig, harnessRepositories, imageBuild } from './fixtures.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

describe('docker runner with BuildKit (real dockerd)', () => {
  let conn: EngineConnection;
  const cacheIds = async (): Promise<Set<string>> => {
    const df = await conn.json<{ BuildCache: { ID: string }[] | null }>({
      method: 'GET',
      path: conn.compat('/system/df'),
    });
    return new Set((df.BuildCache ?? []).map((r) => r.ID));
  };
  beforeAll(async () => {
    conn = await EngineConnection.open({ url: `unix://${env.dockerSocket}` });
  });

  it('early-binding build: trace decoded to readable lines, steps reported, filesystem as specified', async () => {
    const repos = harnessRepositories(env);
    // dockerd runs with --bridge=none here, so BuildKit needs network mode none (the dialect's default on such a daemon).
    const runner = new DockerRunner({ engine: `unix://${env.dockerSocket}` });
    const build = imageBuild({
      name: 'bk',
      binding: 'early',
      destination: 'tls',
      imageName: 'runners/docker-buildkit',
      tag: run,
    });
    const jobId = `bk-${run}`;
    const cacheBefore = await cacheIds();
    const op = runner.build(build, [repos.plain, repos.tls], {
      enrollmentConfig: enrollmentConfig(),
      builder: 'buildkit',
      networkMode: 'none',
      noCache: true,
      jobId,
      keepImage: true,
    });
    const lines: string[] = [];
    const steps: Array<[number, number | undefined]> = [];
    op.on('log', (l) => lines.push(l));
    op.on('progress', (p) => {
      if (p.unit === 'steps') steps.push([p.done, p.total]);
    });
    const result = await op.done();
    // the build's BuildKit cache records are pruned, even with the image kept (it runs below)
    const newRecords = [...(await cacheIds())].filter((id) => !cacheBefore.has(id));
    try {
      expect(newRecords).toEqual([]);
      // Vertex names and their output, as `docker build --progress=plain` shows them.
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^#\d+ \[internal\] load metadata for 127\.0\.0\.1:5000\/fixtures\/bootc-base@sha256:[0-9a-f]{64}$/,
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(/^#\d+ \[1\/\d+\] FROM 127\.0\.0\.1:5000\/fixtures\/bootc-base@sha256:[0-9a-f]{64}/),
      );
      const dnf = lines.find((l) => /^#\d+ \[\d+\/\d+\] RUN dnf .*flightctl-agent/.test(l));
      expect(dnf).toBeDefined();
      const n = /^#(\d+) /.exec(dnf!)![1];
      // The step's own output, attributed to its vertex, then its completion.
      expect(lines).toContain(`#${n} Complete!`);
      expect(lines).toContain(`#${n} DONE`);
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^#\d+ Created symlink \/etc\/systemd\/system\/multi-user\.target\.wants\/flightctl-agent\.service/,
        ),
      );
      expect(lines.filter((l) => /undecodable|^\{/.test(l))).toEqual([]);
      const total = steps.at(-1)?.[1];
      expect(total).toBeGreaterThanOrEqual(3);
      expect(steps.map(([d]) => d)).toContain(total);

      const client = RegistryClient.fromRepository(repos.tls);
      expect((await client.headManifest('runners/docker-buildkit', run))?.digest).toBe(result.manifestDigest);
      await client.close();
      const out = await runInImage(
        conn,
        result.reference,
        'stat -c "%a %u" /etc/flightctl/config.yaml; ls /etc/systemd/system/multi-user.target.wants/',
      );
      expect(out).toContain('600 0');
      expect(out).toContain('flightctl-agent.service');
    } finally {
      const report = await runner.cleanup({ jobId });
      expect(report.failed).toEqual([]);
      expect(await leftovers(conn, jobId, result.reference)).toEqual([]);
      await runner.close();
    }
  });

  it('the default: BuildKit from a plain registry; classic where the source needs credentials (registry B)', async () => {
    const repos = harnessRepositories(env);
    const runner = new DockerRunner({ engine: `unix://${env.dockerSocket}` });
    try {
      for (const [source, builder] of [
        ['plain', /^\[imagebuild\] builder: buildkit \(/],
        ['tls', /^\[imagebuild\] builder: classic \(the source registry needs credentials/],
      ] as const) {
        const build = imageBuild({
          name: `bk-${source}`,
          binding: 'late',
          source,
          destination: 'plain',
          imageName: `runners/docker-default-${source}`,
          tag: run,
        });
        const jobId = `bk-default-${source}-${run}`;
        const lines: string[] = [];
        const op = runner.build(build, [repos.plain, repos.tls], { jobId, sbom: false });
        op.on('log', (l) => lines.push(l));
        const result = await op.done();
        expect(lines.filter((l) => l.startsWith('[imagebuild] builder: '))).toEqual([expect.stringMatching(builder)]);
        // BuildKit's trace or the classic builder's steps, as chosen
        expect(
          lines.some((l) => (source === 'plain' ? /^#\d+ \[\d+\/\d+\] RUN / : /^Step \d+\/\d+ : RUN /).test(l)),
        ).toBe(true);
        expect(await leftovers(conn, jobId, result.reference)).toEqual([]);
      }
    } finally {
      await runner.close();
    }
  });
});
