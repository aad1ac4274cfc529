/**
 * End to end: the client against the HTTP adapter over an ImageBuilder with the REAL podman runner,
 * the harness registries (A: plain source; B: TLS + auth destination) and the bootc-image-builder
 * stand-in. create → follow logs → export → download (verified, then resumed with Range), SSE resume
 * with Last-Event-ID, the example program, and every error path; every response validated against
 * our OpenAPI documents and upstream's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { createImageBuilderHandler } from '@imagebuild/http';
import { ImageBuilderClient, isFinished, readyReason, type Repository } from '@imagebuild/client';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';
import { imageBuild, imageExport } from './support/fixtures.js';
import { validateAll } from './support/validate-all.js';
import { repoRoot } from '../client/support/openapi-doc.js';
import { rejectsWithApiError } from './support/rejects.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TOKEN = `e2e-token-${run}`;
const out = mkdtempSync(join(tmpdir(), 'ib-http-e2e-'));
const BUILD = `e2e-${run}`;
const EXPORT = `${BUILD}-qcow2`;

let builder: ImageBuilder;
let srv: RecordingServer;
let client: ImageBuilderClient;

const rejects = rejectsWithApiError;

const repositories = (): Repository[] => [
  {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'src' },
    spec: { type: 'oci', registry: env.registryPlain, scheme: 'http', accessMode: 'Read' },
  },
  {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'dst' },
    spec: {
      type: 'oci',
      registry: env.registryTls,
      scheme: 'https',
      accessMode: 'ReadWrite',
      ociAuth: { authType: 'docker', username: env.registryUser, password: env.registryPassword },
      'ca.crt': readFileSync(env.registryCa).toString('base64'),
    },
  },
];

beforeAll(async () => {
  builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: `unix://${env.podmanSocket}` })],
    exportOptions: { converterImage: env.bibImage },
  });
  srv = await startRecordingServer(
    createImageBuilderHandler(builder, { auth: (req) => req.headers.authorization === `Bearer ${TOKEN}` }),
  );
  client = new ImageBuilderClient({
    baseUrl: srv.url,
    coreBaseUrl: srv.url,
    token: TOKEN,
    orgId: '00000000-0000-0000-0000-000000000001',
  });
  for (const repo of repositories()) await client.repositories.create(repo);
});

afterAll(async () => {
  await client?.imageBuilds.delete(BUILD).catch(() => undefined);
  await client?.close();
  await srv?.close();
  await builder?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('client ↔ HTTP adapter ↔ real podman runner', () => {
  it('create → follow logs to the completion marker → Completed', async () => {
    const created = await client.imageBuilds.create(imageBuild(BUILD));
    expect(readyReason(created)).toBe('Pending');
    const lines: string[] = [];
    for await (const line of client.imageBuilds.followLogs(BUILD)) lines.push(line);
    const build = await client.waitFor('ImageBuild', BUILD, isFinished, { intervalMs: 500, timeout: 240_000 });
    expect(readyReason(build), build.status?.conditions?.[0]?.message).toBe('Completed');
    expect(build.status?.imageReference).toContain(`${env.registryTls}/e2e/${BUILD}`);
    expect(build.status?.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.length).toBeGreaterThan(0);
    // The followed lines are exactly the stored log: nothing repeated, nothing lost.
    expect(await client.imageBuilds.logs(BUILD)).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('the destination password never appears in any response', async () => {
    const repo = await client.repositories.get('dst');
    expect(JSON.stringify(repo)).not.toContain(env.registryPassword);
    for (const r of srv.responses) expect(JSON.stringify(r.body ?? '')).not.toContain(env.registryPassword);
  });

  it('export → follow its log → download to a file with size and digest verified', async () => {
    await client.imageExports.create(imageExport(EXPORT, BUILD, 'qcow2'));
    const lines: string[] = [];
    for await (const line of client.imageExports.followLogs(EXPORT)) lines.push(line);
    const done = await client.waitFor('ImageExport', EXPORT, isFinished, { intervalMs: 500, timeout: 240_000 });
    expect(readyReason(done), done.status?.conditions?.[0]?.message).toBe('Completed');
    expect(lines.length).toBeGreaterThan(0);
    const withExports = await client.imageBuilds.get(BUILD, { withExports: true });
    expect(withExports.imageexports?.map((e) => e.metadata.name)).toEqual([EXPORT]);

    const progress: number[] = [];
    const file = join(out, 'disk.qcow2');
    const result = await client.imageExports.downloadToFile(EXPORT, file, {
      onProgress: (p) => progress.push(p.bytesDone),
    });
    expect(result.filename).toBe(`${BUILD}.qcow2`);
    expect(result.bytes).toBe(statSync(file).size);
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.digest).toBe(`sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`);
    expect(progress.at(-1)).toBe(result.bytes);

    // Resume: a .part holding the first half is continued with Range (206), not fetched again.
    const half = Math.floor(result.bytes / 2);
    const again = join(out, 'resumed.qcow2');
    writeFileSync(`${again}.part`, readFileSync(file).subarray(0, half));
    const resumed = await client.imageExports.downloadToFile(EXPORT, again);
    expect(resumed.resumedFrom).toBe(half);
    expect(resumed.digest).toBe(result.digest);
    expect(srv.responses.some((r) => r.path.endsWith('/download') && r.status === 206)).toBe(true);
  });

  it('416 for a range past the end', async () => {
    const r = await fetch(`${srv.url}/api/v1/imageexports/${EXPORT}/download`, {
      headers: { authorization: `Bearer ${TOKEN}`, range: 'bytes=999999999-' },
    });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toMatch(/^bytes \*\/\d+$/);
  });

  it('SSE carries id: fields; Last-Event-ID resumes after that line', async () => {
    const name = `${BUILD}-nv`;
    await client.imageBuilds.newVersion(BUILD, { name, destinationImageTag: 'v2' });
    const open = (lastId?: string): Promise<Response> =>
      fetch(`${srv.url}/api/v1/imagebuilds/${name}/log?follow=true`, {
        // The resumable framing (id: per line) is asked for with Accept, as an EventSource does.
        headers: {
          authorization: `Bearer ${TOKEN}`,
          accept: 'text/event-stream',
          ...(lastId ? { 'Last-Event-ID': lastId } : {}),
        },
      });
    const first = await open();
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    const text = await first.text(); // to the completion marker
    expect(text.trimEnd().endsWith('data: <<STREAM_COMPLETE>>')).toBe(true);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(2);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    await client.waitFor('ImageBuild', name, isFinished, { intervalMs: 500, timeout: 240_000 });
    const data = [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!).filter((l) => l !== '<<STREAM_COMPLETE>>');
    // Finished now: a plain follow gets the stored text, which is the same log…
    expect(await client.imageBuilds.logs(name)).toBe(data.map((l) => `${l}\n`).join(''));
    // …and a resuming SSE client gets exactly the lines after its Last-Event-ID, then the marker.
    const resumed = await (await open('2')).text();
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(2));
    expect([...resumed.matchAll(/^data: (.*)$/gm)].map((m) => m[1])).toEqual([...data.slice(2), '<<STREAM_COMPLETE>>']);
  });

  it('error paths: 400 field errors, 404, 409 cancel of a finished build, 406, 401', async () => {
    const bad = await rejects(client.imageBuilds.create(imageBuild('e2e-bad', { tag: 'bad tag!' })));
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('spec.destination.imageTag');
    expect((await rejects(client.imageBuilds.get('e2e-absent'))).status).toBe(404);
    expect((await rejects(client.imageBuilds.cancel(BUILD))).status).toBe(409);
    const wrongVersion = await fetch(`${srv.url}/api/v1/imagebuilds/${BUILD}`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'Flightctl-API-Version': 'v1beta1' },
    });
    expect(wrongVersion.status).toBe(406);
    expect(wrongVersion.headers.get('flightctl-api-versions-supported')).toBe('v1alpha1');
    const anonymous = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 0 } });
    expect((await rejects(anonymous.imageBuilds.list().toArray())).status).toBe(401);
    await anonymous.close();
  });

  it('the example program builds, exports and downloads through the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-example-'));
    const { stdout } = await promisify(execFile)(
      join(repoRoot, 'node_modules/.bin/tsx'),
      ['--conditions=@imagebuild/source', join(repoRoot, 'examples/client-build.ts')],
      {
        cwd: repoRoot,
        timeout: 280_000,
        env: {
          ...process.env,
          IMAGEBUILDER_URL: srv.url,
          IMAGEBUILDER_TOKEN: TOKEN,
          ORG_ID: '00000000-0000-0000-0000-000000000001',
          BUILD_NAME: `${BUILD}-example`,
          SOURCE_REPOSITORY: 'src',
          SOURCE_IMAGE: 'fixtures/bootc-base',
          SOURCE_TAG: 'latest',
          DESTINATION_REPOSITORY: 'dst',
          DESTINATION_IMAGE: `e2e/${BUILD}-example`,
          DESTINATION_TAG: 'v1',
          EXPORT_FORMAT: 'vmdk',
          OUTPUT_DIR: dir,
        },
      },
    );
    expect(stdout).toContain(`downloaded ${join(dir, `${BUILD}-example.vmdk`)}`);
    expect(statSync(join(dir, `${BUILD}-example.vmdk`)).size).toBeGreaterThan(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("every response conforms to our OpenAPI documents and upstream's", () => {
    expect(validateAll(srv.responses)).toEqual([]);
  });
});
