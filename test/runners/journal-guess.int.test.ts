// A build killed before it printed any layer: the engine may still commit the step it was in, on
// top of the FROM image, with no label (docker's classic builder labels no layer) — found in CI after
// a SIGKILL 138 ms into a docker build. The next sweep removes such a layer through the job's build
// journal, and nothing else: not a labelled layer of another job, not one older than the build.
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import { EngineConnection } from '@imagebuild/engine';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { describe, expect, it } from 'vitest';
import { BuildJournal } from '../../packages/engine/src/cleanup/build-journal.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** An untagged image committed from a container of the base image (a step's layer), with labels. */
async function layerOnBase(conn: EngineConnection, labels: Record<string, string>): Promise<string> {
  const c = await conn.docker.createContainer({ Image: env.baseImage, Cmd: ['/bin/true'], Labels: labels });
  try {
    const res = await conn.json<{ Id: string }>({
      method: 'POST',
      path: conn.compat('/commit'),
      query: { container: c.id, changes: [] as string[] },
      json: { Labels: labels },
      ok: [201],
    });
    // podman answers a bare hex id; its compat API takes ids only with the algorithm
    return res!.Id.startsWith('sha256:') ? res!.Id : `sha256:${res!.Id}`;
  } finally {
    await c.remove({ force: true });
  }
}

async function exists(conn: EngineConnection, id: string): Promise<boolean> {
  const r = await conn.json<{ Id?: string }>({
    method: 'GET',
    path: conn.compat(`/images/${encodeURIComponent(id)}/json`),
    ok: [200, 404],
  });
  return !!r?.Id;
}

describe.each(['podman', 'docker'] as const)('%s: the sweep after a build killed before its first layer', (kind) => {
  it('removes the unlabelled layer on the FROM image made since the build started, and nothing else', async () => {
    const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
    const conn = await EngineConnection.open({ url: `unix://${socket}` });
    const runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}` })
        : new DockerRunner({ engine: `unix://${socket}` });
    const jobId = `jg-${kind}-${run}`;
    const older = await layerOnBase(conn, {});
    const others = await layerOnBase(conn, { [RUNNER_JOB_LABEL]: `other-${run}` });
    // image Created times are whole seconds: the journal's start comes after the older layer's
    await new Promise((r) => setTimeout(r, 2100));
    BuildJournal.open(jobId, conn.info.endpoint, env.baseImage, Math.floor(Date.now() / 1000));
    const step = await layerOnBase(conn, {});
    try {
      const bare = (id: string) => id.replace(/^sha256:/, '');
      expect((await runner.listResources({ jobId })).map((r) => bare(r.id))).toEqual([bare(step)]);
      const report = await runner.cleanup({ jobId });
      expect(report.failed).toEqual([]);
      expect(await exists(conn, step)).toBe(false);
      expect(await exists(conn, older)).toBe(true);
      expect(await exists(conn, others)).toBe(true);
    } finally {
      for (const id of [step, older, others])
        await conn.json({ method: 'DELETE', path: conn.compat(`/images/${id}`), ok: [200, 404] });
      await runner.close();
    }
  });
});
