/**
 * The SBOM through every layer: ImageBuilder (GeneratingSBOM phase, Ready message) on the real
 * engines, the HTTP adapter, and the client downloading the document it lists.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '@imagebuild/core';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { SBOM_MEDIA_TYPE } from '@imagebuild/core/runner';
import { ImageBuilder, type WatchEvent } from '@imagebuild/builder';
import { ImageBuilderClient } from '@imagebuild/client';
import { EngineConnection } from '@imagebuild/engine';
import { createImageBuilderHandler } from '@imagebuild/http';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { copyBaseFixture, pushImageWithoutRpmdb } from './fixture-images.js';
import { schemaErrors } from './sbom-support.js';

const env = loadHarnessEnv();
const run = `sce${Date.now().toString(36)}`;

beforeAll(() => {
  copyBaseFixture(env, run);
  pushImageWithoutRpmdb(env, run);
});
// The builds pulled the test's own no-rpmdb source (a build keeps its pulled base, as `podman build`
// does): removed with the fixture, or every run would leave one more image on each engine.
afterAll(async () => {
  for (const socket of [env.podmanSocket, env.dockerSocket]) {
    const conn = await EngineConnection.open({ url: `unix://${socket}` });
    const images = await conn.json<Array<{ Id: string; RepoTags?: string[] | null; RepoDigests?: string[] | null }>>({
      method: 'GET',
      path: conn.compat('/images/json'),
    });
    const fixture = `${env.registryPlain}/supply-chain/no-rpmdb`;
    for (const i of images ?? [])
      if ([...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])].some((n) => n.startsWith(fixture)))
        await conn.json({
          method: 'DELETE',
          path: conn.compat(`/images/${i.Id}`),
          query: { force: true },
          ok: [200, 404],
        });
  }
});

describe.each(['podman', 'docker'] as const)('SBOM through builder, HTTP adapter and client on %s', (kind) => {
  let builder: ImageBuilder;
  let server: Server;
  let client: ImageBuilderClient;
  const events: WatchEvent[] = [];
  const ib = (name: string, source: string) => ({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild' as const,
    metadata: { name },
    spec: {
      source: { repository: 'plain', imageName: source, imageTag: run },
      destination: { repository: 'plain', imageName: `supply-chain/e2e-${kind}`, imageTag: name },
      binding: { type: 'late' as const },
    },
  });
  const settle = async (name: string) => {
    for await (const _ of builder.logs('ImageBuild', name, { follow: true, signal: AbortSignal.timeout(180_000) })) {
      /* drain */
    }
    return builder.get('ImageBuild', name);
  };

  beforeAll(async () => {
    const runner: Runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${env.podmanSocket}` })
        : new DockerRunner({ engine: `unix://${env.dockerSocket}` });
    builder = new ImageBuilder({ runners: [runner] });
    const w = builder.watch();
    void (async () => {
      for await (const ev of w) events.push(ev);
    })().catch(() => undefined);
    await builder.create({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name: 'plain' },
      spec: { type: 'oci', registry: env.registryPlain, scheme: 'http', accessMode: 'ReadWrite' },
    });
    server = createServer(createImageBuilderHandler(builder));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new ImageBuilderClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await builder.close();
  });

  it('a build goes through GeneratingSBOM; its SBOM is listed and downloaded through the client', async () => {
    const name = `sbom-${kind}-${run}`;
    await builder.create(ib(name, 'supply-chain/base'));
    const built = await settle(name);
    expect(getReadyCondition(built.status?.conditions)).toMatchObject({
      reason: 'Completed',
      message: 'Build completed successfully',
    });
    const phases = events
      .filter((e) => e.name === name && e.type === 'phase')
      .map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM', 'Completed']);

    const listed = await client.sboms.list(name);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ artifactType: SBOM_MEDIA_TYPE, title: 'sbom.cdx.json' });
    const direct = await builder.sbom(name);
    const got = await client.sboms.get(name, { digest: listed[0]!.manifestDigest });
    expect(got.mediaType).toBe(SBOM_MEDIA_TYPE);
    expect(got.manifestDigest).toBe(listed[0]!.manifestDigest);
    expect(Buffer.from(got.content).equals(direct.content)).toBe(true);
    const json = Buffer.from(got.content).toString('utf8');
    expect(await schemaErrors(json)).toBeNull();
    expect(JSON.parse(json).metadata.component.purl).toContain(`@${built.status?.manifestDigest}`);
  });

  it('an image without an RPM database completes; the Ready message says why there is no SBOM', async () => {
    const name = `nodb-${kind}-${run}`;
    await builder.create(ib(name, 'supply-chain/no-rpmdb'));
    const built = await settle(name);
    const ready = getReadyCondition(built.status?.conditions);
    expect(ready).toMatchObject({ reason: 'Completed', status: 'True' });
    expect(ready?.message).toMatch(/^Build completed successfully; SBOM not generated: no RPM database in the image/);
    await expect(client.sboms.get(name)).rejects.toMatchObject({ status: 404 });
    await expect(client.sboms.list(name)).resolves.toEqual([]);
  });

  it('SBOM of an unknown build: 404; a malformed digest: 400', async () => {
    await expect(client.sboms.get(`missing-${run}`)).rejects.toMatchObject({ status: 404 });
    await expect(client.sboms.get(`x-${run}`, { digest: 'nope' })).rejects.toMatchObject({ status: 400 });
  });
});
