/**
 * The client against the HTTP adapter over a real ImageBuilder. Its runner points at a socket that
 * does not exist, so jobs stay queued (Pending): this file covers the API surface and every error
 * path that needs no engine; test/http/e2e.int.test.ts runs real builds. Every response the adapter
 * sends is validated against our OpenAPI documents and upstream's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@imagebuild/core/errors';
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { createImageBuilderHandler } from '@imagebuild/http';
import { ImageBuilderClient, isApiStatus } from '@imagebuild/client';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';
import { imageBuild, imageExport, repository } from './support/fixtures.js';
import { validateAll } from './support/validate-all.js';
import { rejectsWithApiError } from './support/rejects.js';

const TOKEN = 'adapter-test-token-1234';
let builder: ImageBuilder;
let srv: RecordingServer;
let client: ImageBuilderClient;

const rejects = rejectsWithApiError;

beforeAll(async () => {
  builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: 'unix:///nonexistent/imagebuild-http-test.sock', name: 'absent' })],
  });
  const handler = createImageBuilderHandler(builder, {
    basePath: '/_/imagebuilder',
    maxBodyBytes: 16 * 1024,
    auth: (req) => req.headers.authorization === `Bearer ${TOKEN}`,
  });
  srv = await startRecordingServer(handler, '/_/imagebuilder');
  const base = `${srv.url}/_/imagebuilder`;
  client = new ImageBuilderClient({
    baseUrl: base,
    coreBaseUrl: base,
    token: async () => TOKEN,
    orgId: '00000000-0000-0000-0000-000000000000',
    retry: { retries: 0 },
  });
  await client.repositories.create(repository('src', '127.0.0.1:5000', 'Read'));
  await client.repositories.create(repository('dst', '127.0.0.1:5000'));
});

afterAll(async () => {
  await client?.close();
  await srv?.close();
  await builder?.close();
});

describe('HTTP adapter served to the client', () => {
  it('repositories: create, get (status.conditions present), list, delete, 409 on a taken name', async () => {
    const got = await client.repositories.get('dst');
    expect(got.spec.registry).toBe('127.0.0.1:5000');
    expect(got.status?.conditions).toEqual([]);
    const names = (await client.repositories.list().toArray()).map((r) => r.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['src', 'dst']));
    expect((await rejects(client.repositories.create(repository('dst', '127.0.0.1:5000')))).status).toBe(409);
    await client.repositories.create(repository('tmp', 'quay.io'));
    expect((await client.repositories.delete('tmp')).code).toBe(200);
    expect((await rejects(client.repositories.get('tmp'))).status).toBe(404);
  });

  it('creates, gets and lists builds, paging with limit and filtering by labels', async () => {
    const created = await client.imageBuilds.create(imageBuild('page-a', { labels: { suite: 'paging' } }));
    expect(created.metadata.name).toBe('page-a');
    expect(created.status?.conditions?.[0]?.reason).toBe('Pending');
    await client.imageBuilds.create(imageBuild('page-b', { labels: { suite: 'paging' } }));
    await client.imageBuilds.create(imageBuild('page-c', { labels: { suite: 'other' } }));
    const list = client.imageBuilds.list({ labelSelector: { suite: 'paging' }, limit: 1 });
    const pages = [];
    for await (const page of list.pages()) pages.push(page);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.metadata.continue).toBeTruthy();
    expect((await list.toArray()).map((b) => b.metadata.name)).toEqual(['page-b', 'page-a']);
    const byField = await client.imageBuilds.list({ fieldSelector: { 'metadata.name': 'page-c' } }).toArray();
    expect(byField.map((b) => b.metadata.name)).toEqual(['page-c']);
    expect((await client.imageBuilds.get('page-a')).spec.destination.imageTag).toBe('v1');
  });

  it("withExports embeds the build's exports", async () => {
    await client.imageBuilds.create(imageBuild('with-exp'));
    await client.imageExports.create(imageExport('with-exp-qcow2', 'with-exp'));
    const build = await client.imageBuilds.get('with-exp', { withExports: true });
    expect(build.imageexports?.map((e) => e.metadata.name)).toEqual(['with-exp-qcow2']);
    const listed = await client.imageBuilds
      .list({ fieldSelector: { 'metadata.name': 'with-exp' }, withExports: true })
      .toArray();
    expect(listed[0]?.imageexports).toHaveLength(1);
    expect((await client.imageExports.get('with-exp-qcow2')).metadata.owner).toBe('ImageBuild/with-exp');
  });

  it('400 with every field error, one per line', async () => {
    const bad = imageBuild('Bad_Name', { tag: 'no tags with spaces' });
    const err = await rejects(client.imageBuilds.create(bad));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/metadata\.name/);
    expect(err.message).toMatch(/spec\.destination\.imageTag/);
    expect((err.body as { code: number }).code).toBe(400);
    const missingRepo = await rejects(client.imageBuilds.create(imageBuild('no-repo', { source: 'nope' })));
    expect(missingRepo.status).toBe(400);
    expect(missingRepo.message).toContain('spec.source.repository');
  });

  it('400 for a body of the wrong kind, bad JSON and a bad limit', async () => {
    const wrongKind = await fetch(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(imageExport('x', 'y')),
    });
    expect(wrongKind.status).toBe(400);
    expect(((await wrongKind.json()) as { message: string }).message).toBe('kind: must be ImageBuild');
    const badJson = await fetch(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"kind":',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toMatch(/^can't decode JSON body/);
    expect((await rejects(client.imageBuilds.list({ limit: 1001 }).toArray())).message).toContain(
      'limit cannot exceed 1000',
    );
  });

  it('404 for an absent build or export, and for an unknown path', async () => {
    expect((await rejects(client.imageBuilds.get('absent'))).status).toBe(404);
    expect((await rejects(client.imageExports.get('absent'))).status).toBe(404);
    expect((await rejects(client.imageBuilds.cancel('absent'))).status).toBe(404);
    const r = await fetch(`${srv.url}/_/imagebuilder/api/v1/nothing`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(404);
  });

  it('cancel: Pending → Canceled, then 409 for the finished build; its export is canceled too', async () => {
    await client.imageBuilds.create(imageBuild('to-cancel'));
    await client.imageExports.create(imageExport('to-cancel-iso', 'to-cancel', 'iso'));
    const canceled = await client.imageBuilds.cancel('to-cancel');
    expect(canceled.status?.conditions?.[0]?.reason).toBe('Canceled');
    const again = await rejects(client.imageBuilds.cancel('to-cancel'));
    expect(again.status).toBe(409);
    expect(isApiStatus(again, 409)).toBe(true);
    expect((await client.imageExports.get('to-cancel-iso')).status?.conditions?.[0]?.reason).toBe('Canceled');
    expect((await rejects(client.imageExports.cancel('to-cancel-iso'))).status).toBe(409);
  });

  it('newversion copies the spec with new tags; 404 parent, 409 taken name', async () => {
    await client.imageBuilds.create(imageBuild('nv-parent'));
    const child = await client.imageBuilds.newVersion('nv-parent', { name: 'nv-child', destinationImageTag: 'v2' });
    expect(child.spec.destination.imageTag).toBe('v2');
    expect(child.spec.source).toEqual((await client.imageBuilds.get('nv-parent')).spec.source);
    expect(child.metadata.annotations?.['flightctl.io/new-version-from']).toBe('nv-parent');
    expect((await rejects(client.imageBuilds.newVersion('nv-missing', { name: 'nv-x' }))).status).toBe(404);
    expect((await rejects(client.imageBuilds.newVersion('nv-parent', { name: 'nv-child' }))).status).toBe(409);
  });

  it('delete answers a Status 200, also for an absent resource', async () => {
    await client.imageBuilds.create(imageBuild('to-delete'));
    const status = await client.imageBuilds.delete('to-delete');
    expect(status).toMatchObject({ kind: 'Status', code: 200 });
    expect((await rejects(client.imageBuilds.get('to-delete'))).status).toBe(404);
    expect((await client.imageBuilds.delete('to-delete')).code).toBe(200);
  });

  it('logs: text snapshot; a followed log of a queued build ends with the marker when it is canceled', async () => {
    await client.imageBuilds.create(imageBuild('log-follow'));
    expect(await client.imageBuilds.logs('log-follow')).toBe('');
    const seen: string[] = [];
    const follow = (async () => {
      for await (const line of client.imageBuilds.followLogs('log-follow', { maxReconnects: 0 })) seen.push(line);
    })();
    await new Promise((r) => setTimeout(r, 300));
    await client.imageBuilds.cancel('log-follow');
    await follow; // would throw (dropped without the marker) if the server did not send it
    expect(seen.every((l) => typeof l === 'string')).toBe(true);
  });

  it('download of an export that is not ready → 400 naming its state', async () => {
    const err = await rejects(
      client.imageExports.downloadToFile('with-exp-qcow2', '/tmp/imagebuild-never-written.qcow2'),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('imageExport is not ready (status: False, reason: Pending)');
  });

  it('406 for another Flightctl-API-Version, with the supported versions', async () => {
    const r = await fetch(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'Flightctl-API-Version': 'v2' },
    });
    expect(r.status).toBe(406);
    expect(r.headers.get('Flightctl-API-Versions-Supported')).toBe('v1alpha1');
    const ok = await fetch(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.headers.get('Flightctl-API-Version')).toBe('v1alpha1');
    expect(ok.headers.get('Vary')).toContain('Flightctl-API-Version');
  });

  it('401 from the auth hook (wrong or missing token); the token never appears in the error', async () => {
    const other = new ImageBuilderClient({
      baseUrl: `${srv.url}/_/imagebuilder`,
      token: 'wrong-token-abcdef',
      retry: { retries: 0 },
    });
    const err = await rejects(other.imageBuilds.get('page-a'));
    expect(err.status).toBe(401);
    expect(JSON.stringify(err)).not.toContain('wrong-token-abcdef');
    await other.close();
    const none = await fetch(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('an auth hook that throws an ApiError answers with its status (403)', async () => {
    const forbidding = createImageBuilderHandler(builder, {
      auth: () => {
        throw new ApiError(403, 'viewers may not download');
      },
    });
    const other = await startRecordingServer(forbidding);
    try {
      const r = await fetch(`${other.url}/api/v1/imagebuilds`);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { message: string }).message).toBe('viewers may not download');
      expect(validateAll(other.responses)).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('413 for a body over maxBodyBytes', async () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 400; i++) labels[`k${i}`] = 'v'.repeat(60);
    const err = await rejects(client.imageBuilds.create(imageBuild('too-big', { labels })));
    expect(err.status).toBe(413);
  });

  it('501 for image promotions (no catalog here)', async () => {
    expect((await rejects(client.imagePromotions.list().toArray())).status).toBe(501);
  });

  it("every response conforms to our OpenAPI documents and upstream's", () => {
    expect(srv.responses.length).toBeGreaterThan(40);
    expect(validateAll(srv.responses)).toEqual([]);
  });
});
