/**
 * Download streaming through the HTTP adapter, against the real harness registry (plain http) with a
 * TCP proxy in front of it to observe the registry side: a 64 MiB artifact's headers arrive before
 * its body and the adapter does not pull the whole blob ahead of the client; a single Range is
 * fetched from the registry at that offset (206; 416 when unsatisfiable; If-Range); the client's
 * downloadToFile resumes a .part; a client that goes away closes the registry connection; a
 * corrupted transfer never ends as a clean response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setReadyCondition } from '@imagebuild/core/lifecycle';
import { ImageBuilder, MemoryStore } from '@imagebuild/builder';
import { RegistryClient, pushArtifact, EMPTY_CONFIG_DATA, MediaType } from '@imagebuild/oci';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { createImageBuilderHandler } from '@imagebuild/http';
import { ImageBuilderClient } from '@imagebuild/client';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const REPO = `tests/http-stream-${run}`;
const BUILD = `stream-${run}`;
const EXPORT = `${BUILD}-qcow2`;
const SIZE = 64 * 1024 * 1024;
const out = mkdtempSync(join(tmpdir(), 'ib-http-stream-'));
const file = join(out, 'artifact.qcow2');

let proxy: TcpProxy;
let builder: ImageBuilder;
let srv: RecordingServer;
let client: ImageBuilderClient;
let layerDigest: string;
let data: Buffer;

/** Pushes a small subject image and a 64 MiB qcow2 artifact referring to it, straight to the registry. */
async function pushFixture(): Promise<string> {
  const oci = new RegistryClient({ registry: env.registryPlain, scheme: 'http' });
  try {
    const config = await oci.uploadBlob(REPO, Buffer.from(EMPTY_CONFIG_DATA));
    const layer = await oci.uploadBlob(REPO, Buffer.from('subject layer'));
    const subject = await oci.putManifest(REPO, 'subject', {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { ...config, mediaType: MediaType.OciEmpty },
      layers: [{ ...layer, mediaType: MediaType.OciLayerTar }],
    });
    const pushed = await pushArtifact(oci, {
      repository: REPO,
      file,
      artifactType: 'application/vnd.qcow2',
      subject: subject.descriptor,
    }).done();
    layerDigest = pushed.layer.digest;
    return pushed.digest;
  } finally {
    await oci.close();
  }
}

/** A store holding a Completed build and export whose artifact is the pushed one, read through the proxy. */
async function storeWith(manifestDigest: string): Promise<MemoryStore> {
  const store = new MemoryStore();
  const now = new Date().toISOString();
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    creationTimestamp: now,
    generation: 1,
    resourceVersion: '1',
    labels: {},
    annotations: {},
    ...extra,
  });
  await store.insert({
    kind: 'Repository',
    name: 'dst',
    resourceVersion: 1,
    object: {
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: meta('dst'),
      spec: { type: 'oci', registry: proxy.address, scheme: 'http', accessMode: 'ReadWrite' },
    } as never,
  });
  const done = (msg: string) => ({ conditions: setReadyCondition(undefined, 'Completed', msg, now) });
  await store.insert({
    kind: 'ImageBuild',
    name: BUILD,
    resourceVersion: 1,
    job: { uid: `uid-${BUILD}` },
    object: {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: meta(BUILD),
      spec: {
        source: { repository: 'dst', imageName: 'x', imageTag: 'latest' },
        destination: { repository: 'dst', imageName: REPO, imageTag: 'subject' },
        binding: { type: 'late' },
      },
      status: { ...done('Build completed successfully'), imageReference: `${proxy.address}/${REPO}:subject` },
    } as never,
  });
  await store.insert({
    kind: 'ImageExport',
    name: EXPORT,
    resourceVersion: 1,
    job: { uid: `uid-${EXPORT}` },
    object: {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: meta(EXPORT, { owner: `ImageBuild/${BUILD}` }),
      spec: { source: { type: 'imageBuild', imageBuildRef: BUILD }, format: 'qcow2' },
      status: { ...done('Export completed successfully'), manifestDigest },
    } as never,
  });
  return store;
}

const url = (): string => `${srv.url}/api/v1/imageexports/${EXPORT}/download`;
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const settle = async (until: () => boolean, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!until() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return until();
};

beforeAll(async () => {
  data = randomBytes(SIZE);
  writeFileSync(file, data);
  proxy = await startTcpProxy(env.registryPlain);
  const manifestDigest = await pushFixture();
  builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: `unix://${env.podmanSocket}` })],
    store: await storeWith(manifestDigest),
  });
  srv = await startRecordingServer(createImageBuilderHandler(builder));
  client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 0 } });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await srv?.close();
  await builder?.close();
  await proxy?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('download streaming from the registry', () => {
  it('sends the headers before the body, and does not pull the whole blob ahead of a slow client', async () => {
    const before = proxy.bytesToClient;
    const res = await fetch(url());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${BUILD}.qcow2"`);
    expect(res.headers.get('docker-content-digest')).toBe(layerDigest);
    expect(res.headers.get('etag')).toBe(`"${layerDigest}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 500)); // give a buffering server every chance to run ahead
    const pulled = proxy.bytesToClient - before;
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(SIZE / 2); // backpressure: the registry is paced by this reader
    const chunks: Uint8Array[] = [first.value!];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(SIZE);
    expect(sha(body)).toBe(layerDigest);
    expect(await settle(() => proxy.open === 0)).toBe(true); // the registry connection is released after the response
  });

  it('serves one Range from the registry at that offset (206), 416 when unsatisfiable, and ignores a stale If-Range', async () => {
    const res = await fetch(url(), { headers: { range: 'bytes=1000000-1000999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000000-1000999/${SIZE}`);
    expect(res.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(1000000, 1001000))).toBe(true);
    expect(proxy.requests.toLowerCase()).toContain('range: bytes=1000000-');

    const tail = await fetch(url(), { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(SIZE - 10))).toBe(true);

    const past = await fetch(url(), { headers: { range: `bytes=${SIZE}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    await past.body?.cancel();

    const stale = await fetch(url(), { headers: { range: 'bytes=0-9', 'if-range': '"sha256:0000"' } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('content-length')).toBe(String(SIZE));
    await stale.body?.cancel();
    const fresh = await fetch(url(), { headers: { range: 'bytes=0-9', 'if-range': `"${layerDigest}"` } });
    expect(fresh.status).toBe(206);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(data.subarray(0, 10))).toBe(true);
  });

  it('the client resumes a .part with Range and verifies the whole file', async () => {
    const dest = join(out, 'resumed.qcow2');
    const half = 10 * 1024 * 1024 + 7;
    writeFileSync(`${dest}.part`, data.subarray(0, half));
    const result = await client.imageExports.downloadToFile(EXPORT, dest);
    expect(result.resumedFrom).toBe(half);
    expect(result.bytes).toBe(SIZE);
    expect(result.digest).toBe(layerDigest);
    expect(result.filename).toBe(`${BUILD}.qcow2`);
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(proxy.requests.toLowerCase()).toContain(`range: bytes=${half}-`);
    expect(srv.responses.some((r) => r.path.endsWith('/download') && r.status === 206)).toBe(true);
  });

  it('a client that goes away mid-stream closes the registry connection', async () => {
    await settle(() => proxy.open === 0);
    const before = proxy.bytesToClient;
    const ac = new AbortController();
    const res = await fetch(url(), { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(proxy.open).toBeGreaterThan(0); // the blob request is in flight
    ac.abort();
    expect(await settle(() => proxy.open === 0)).toBe(true);
    expect(proxy.bytesToClient - before).toBeLessThan(SIZE / 2); // it stopped: the rest was never pulled
    // The server is fine afterwards.
    const again = await fetch(url(), { headers: { range: 'bytes=0-3' } });
    expect(Buffer.from(await again.arrayBuffer()).equals(data.subarray(0, 4))).toBe(true);
  });

  it('a transfer corrupted on the way from the registry is cut off, never completed cleanly', async () => {
    proxy.corruptAt = 8 * 1024 * 1024; // a byte of the body, well past the response head
    try {
      const res = await fetch(url());
      expect(res.status).toBe(200);
      const err = await res.arrayBuffer().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      await expect(
        client.imageExports.downloadToFile(EXPORT, join(out, 'corrupt.qcow2'), { maxResumes: 0 }),
      ).rejects.toThrow();
    } finally {
      proxy.corruptAt = undefined;
    }
  });
});
