// Through the ImageBuilder on both engines: an export created while its build runs has the
// converter image pulled during the build, so the export itself finds it up to date and pulls nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBuilder } from '@imagebuild/builder';
import { EngineConnection } from '@imagebuild/engine';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harnessBuilder, plainBuild, qcow2Export, settleJob } from './export-helpers.js';

const env: HarnessEnv = loadHarnessEnv();

describe.each(['podman', 'docker'] as const)('%s: export prepared while its build runs', (kind) => {
  const work = mkdtempSync(join(tmpdir(), 'ib-export-prepare-'));
  const id = `${kind}-${process.pid.toString(36)}${Date.now().toString(36)}`;
  // a registry copy of the stand-in: the engine can drop it and pull it again
  const converter = env.bibImagePlain;
  let conn: EngineConnection;
  let b: ImageBuilder;
  let close: () => Promise<void>;

  const present = async (): Promise<boolean> =>
    !!(
      await conn.json<{ Id?: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(converter)}/json`),
        ok: [200, 404],
      })
    )?.Id;

  beforeAll(async () => {
    conn = await EngineConnection.open({ url: `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}` });
    ({ b, close } = await harnessBuilder(kind, env, work, { converterImage: converter }));
  });
  afterAll(() => close());

  it('the converter image is pulled during the build; the export pulls nothing', async () => {
    // only this reference goes: the stand-in's other tags (and so its layers) stay
    await conn.json({
      method: 'DELETE',
      path: conn.compat(`/images/${encodeURIComponent(converter)}`),
      ok: [200, 404],
    });
    expect(await present()).toBe(false);
    await b.create(plainBuild(id, 'tests/export-prepare'));
    await b.create(qcow2Export(`${id}-e`, id));
    await settleJob(b, 'ImageBuild', id);
    const lines = await settleJob(b, 'ImageExport', `${id}-e`);
    expect(lines).toContainEqual(expect.stringMatching(/^converter image \S+ is up to date \(sha256:/));
    expect(lines.filter((l) => /pulling converter image|refreshing converter image/.test(l))).toEqual([]);
    expect(await present()).toBe(true);
  });
});
