// An export aborted while the engine is creating one of its resources: the engine has done the work,
// the runner has not heard of it yet. Whatever the engine made for the job must still be removed
// (found in CI: a builder closed by SIGINT at that moment left the converter and its volumes).
import { AbortError, type ImageBuild, type Runner } from '@imagebuild/core';
import { ConversionError } from '@imagebuild/core/errors';
import { EngineConnection } from '@imagebuild/engine';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdingProxy, leftovers } from './engine-helpers.js';
import { harnessRepositories, imageBuild, imageExport } from './fixtures.js';

const env: HarnessEnv = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const HOLD_MS = 1500;

describe.each(['podman', 'docker'] as const)('%s: an export aborted during a create', (kind) => {
  const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const makeRunner = (engine: string): Runner =>
    kind === 'podman'
      ? new PodmanRunner({ engine, converterCache: false })
      : new DockerRunner({ engine, converterCache: false });
  let conn: EngineConnection;
  let build: ImageBuild;

  beforeAll(async () => {
    conn = await EngineConnection.open({ url: `unix://${socket}` });
    const runner = makeRunner(`unix://${socket}`);
    try {
      build = imageBuild({
        name: 'ab',
        binding: 'late',
        destination: 'plain',
        imageName: `runners/${kind}-ab`,
        tag: run,
      });
      const r = await runner.build(build, all, { jobId: `ab-${run}` }).done();
      build = { ...build, status: { manifestDigest: r.manifestDigest, imageReference: r.reference } };
    } finally {
      await runner.close();
    }
  });

  /**
   * Starts `start` on a runner behind a proxy that holds the engine's answer to `request` and aborts
   * the operation as that answer arrives; the operation's error, once it has ended.
   */
  async function abortedAtAnswer(
    request: RegExp,
    start: (runner: Runner) => ReturnType<Runner['build']> | ReturnType<Runner['export']>,
  ): Promise<{ err: unknown; held: number; ms: number }> {
    let op: ReturnType<typeof start> | undefined;
    let held = 0;
    const proxy = await holdingProxy(socket, request, HOLD_MS, () => {
      held++;
      op?.abort();
    });
    const runner = makeRunner(proxy.url);
    try {
      const started = Date.now();
      op = start(runner);
      const err = await op.done().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { err, held, ms: Date.now() - started };
    } finally {
      await runner.close();
      proxy.close();
    }
  }

  it('a build aborted while the engine creates the container its SBOM reads the image through: nothing is left', async () => {
    const jobId = `ab-sbom-${run}`;
    const ib = imageBuild({
      name: 'abs',
      binding: 'late',
      destination: 'plain',
      imageName: `runners/${kind}-abs`,
      tag: run,
    });
    const r = await abortedAtAnswer(/^POST \S*\/containers\/create/, (runner) =>
      runner.build(ib, all, { jobId, noCache: true }),
    );
    expect(r.held).toBeGreaterThan(0);
    expect(r.err).toBeInstanceOf(AbortError);
    expect(await leftovers(conn, jobId)).toEqual([]);
  });

  it("a converter that dies before its last line: its exit status is the engine's, and nothing is left", async () => {
    // the base image has a shell but no podman: the script exits 127 before printing its exit line,
    // so the status comes from the engine's wait (libpod's on podman, compat's on dockerd)
    const jobId = `ab-exit-${run}`;
    const runner = makeRunner(`unix://${socket}`);
    try {
      const err = await runner
        .export(imageExport('xex', 'ab', 'qcow2'), build, all, { converterImage: env.baseImage, jobId, noReuse: true })
        .done()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(ConversionError);
      expect((err as ConversionError).message).toMatch(/^converter exited with code 127: /);
      expect(await leftovers(conn, jobId)).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  for (const what of ['volumes', 'containers'] as const) {
    it(`aborted while the engine creates the export's ${what}: nothing of the job is left`, async () => {
      const jobId = `ab-${what}-${run}`;
      const r = await abortedAtAnswer(new RegExp(`^POST \\S*/${what}/create`), (runner) =>
        runner.export(imageExport('xab', 'ab', 'qcow2'), build, all, {
          converterImage: env.bibImage,
          jobId,
          noReuse: true,
        }),
      );
      expect(r.held).toBeGreaterThan(0);
      expect(r.err).toBeInstanceOf(AbortError);
      expect(await leftovers(conn, jobId)).toEqual([]);
      // the runner waited for the engine's answer (it needs the id to remove what was made)
      expect(r.ms).toBeGreaterThanOrEqual(HOLD_MS - 100);
    });
  }
});
