import { existsSync, readFileSync, rmSync, mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AbortError } from '@imagebuild/core';
import { DigestMismatchError } from '@imagebuild/core/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMPTY_CONFIG_DIGEST,
  MediaType,
  RegistryClient,
  downloadArtifact,
  downloadBlob,
  pushArtifact,
  referrersTag,
  type ImageIndex,
  type ImageManifest,
  type UploadSessionEnd,
} from '../src/index.js';
import { harnessEnv, randomFile, skopeo, uniqueRepo, uploadSessions } from './helpers.js';

const env = harnessEnv();
const repo = uniqueRepo('plain');
const work = mkdtempSync(join(tmpdir(), 'oci-plain-'));
let client: RegistryClient;
let imageDigest: string;

beforeAll(async () => {
  client = new RegistryClient({ registry: env.plain, scheme: 'http', chunkSize: 1 << 20 });
  // An image pushed by an independent tool: skopeo copies the harness fixture into our repository.
  await skopeo([
    'copy',
    '-q',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${env.baseImagePlain}`,
    `docker://${env.plain}/${repo}:1`,
  ]);
  imageDigest = (await client.resolvePlatformManifest(repo, '1')).digest;
});

afterAll(async () => {
  await client.close();
  rmSync(work, { recursive: true, force: true });
});

describe('registry A (plain http, registry 2.8)', () => {
  it('pings and reads what skopeo pushed (manifest, config blob)', async () => {
    await client.ping();
    const m = await client.getManifest(repo, '1');
    expect(m.descriptor.digest).toBe(imageDigest);
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${env.plain}/${repo}:1`]);
    expect(m.bytes.toString()).toBe(raw);
    const config = (m.manifest as ImageManifest).config;
    const blob = await client.getBlob(repo, config.digest);
    const chunks: Buffer[] = [];
    for await (const c of blob.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).length).toBe(config.size);
    expect(await client.headBlob(repo, config.digest)).toBe(config.size);
    expect(await client.headManifest(repo, '1')).toMatchObject({ digest: imageDigest });
    expect(await client.headManifest(repo, 'nope')).toBeUndefined();
  });

  it('pushes a Flight Control-compatible artifact that skopeo reads back, maintaining the referrers tag', async () => {
    const file = join(work, 'disk.qcow2');
    const fileDigest = await randomFile(file, 3 * 1024 * 1024 + 17);
    const op = pushArtifact(client, {
      repository: repo,
      file,
      artifactType: 'application/vnd.qcow2',
      subject: `${env.plain}/${repo}:1`,
    });
    const progress: number[] = [];
    op.on('progress', (p) => progress.push(p.bytesDone));
    const r = await op.done();
    expect(r.layer).toMatchObject({ digest: fileDigest, size: 3 * 1024 * 1024 + 17, mediaType: MediaType.OciLayerTar });
    expect(r.subject.digest).toBe(imageDigest);
    expect(r.referrersTagUpdated).toBe(true);
    expect(progress.at(-1)).toBe(3 * 1024 * 1024 + 17);

    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${env.plain}/${repo}@${r.digest}`]);
    const m = JSON.parse(raw) as ImageManifest;
    expect(m.mediaType).toBe(MediaType.OciManifest);
    expect(m.artifactType).toBe('application/vnd.qcow2');
    expect(m.config).toEqual({ mediaType: MediaType.OciEmpty, digest: EMPTY_CONFIG_DIGEST, size: 2, data: 'e30=' });
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0]?.annotations?.['org.opencontainers.image.title']).toBe('disk.qcow2');
    expect(m.annotations?.['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.subject).toEqual(r.subject);

    const index = JSON.parse(
      await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${env.plain}/${repo}:${referrersTag(imageDigest)}`,
      ]),
    ) as ImageIndex;
    expect(index.mediaType).toBe(MediaType.OciIndex);
    expect(index.manifests.map((d) => d.digest)).toEqual([r.digest]);
    expect(index.manifests[0]?.artifactType).toBe('application/vnd.qcow2');

    // Referrers (tag-schema fallback: registry 2.8 has no referrers API), filtered by type.
    expect((await client.listReferrers(repo, imageDigest)).map((d) => d.digest)).toEqual([r.digest]);
    expect(await client.listReferrers(repo, imageDigest, { artifactType: 'application/vnd.vmdk' })).toEqual([]);

    // Download by digest and by (image, artifactType).
    const out1 = join(work, 'by-digest.qcow2');
    const d1 = await downloadArtifact(client, { repository: repo, digest: r.digest, file: out1 }).done();
    expect(d1).toMatchObject({ digest: fileDigest, title: 'disk.qcow2', artifactType: 'application/vnd.qcow2' });
    expect(readFileSync(out1).equals(readFileSync(file))).toBe(true);
    const out2 = join(work, 'by-lookup.qcow2');
    const d2 = await downloadArtifact(client, {
      repository: repo,
      subject: '1',
      artifactType: 'application/vnd.qcow2',
      file: out2,
    }).done();
    expect(d2.manifestDigest).toBe(r.digest);
    expect(existsSync(`${out2}.partial`)).toBe(false);
  });

  it('deduplicates the referrers index and keeps other artifact types', async () => {
    const file = join(work, 'disk.vmdk');
    await randomFile(file, 1000);
    const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' };
    const a = await pushArtifact(client, {
      repository: repo,
      file,
      artifactType: 'application/vnd.vmdk',
      subject: imageDigest,
      annotations,
    }).done();
    const b = await pushArtifact(client, {
      repository: repo,
      file,
      artifactType: 'application/vnd.vmdk',
      subject: imageDigest,
      annotations,
    }).done();
    expect(b.digest).toBe(a.digest);
    const all = await client.listReferrers(repo, imageDigest);
    expect(all.filter((d) => d.digest === a.digest)).toHaveLength(1);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(
      (await client.listReferrers(repo, imageDigest, { artifactType: 'application/vnd.vmdk' })).map((d) => d.digest),
    ).toEqual([a.digest]);
  });

  it('resolves an index to the requested platform, or fails naming it', async () => {
    const sub = (await client.getManifest(repo, imageDigest)).descriptor;
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        { ...sub, platform: { os: 'linux', architecture: 'arm64' } },
        { ...sub, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    await client.putManifest(repo, 'multi', index);
    expect((await client.resolvePlatformManifest(repo, 'multi')).digest).toBe(sub.digest);
    expect((await client.resolvePlatformManifest(repo, 'multi', { os: 'linux', architecture: 'arm64' })).digest).toBe(
      sub.digest,
    );
    await expect(client.resolvePlatformManifest(repo, 'multi', { os: 'linux', architecture: 's390x' })).rejects.toThrow(
      /platform "linux\/s390x" not found/,
    );
  });

  it('lists tags across pages (Link header)', async () => {
    for (const t of ['t1', 't2', 't3']) await client.putManifest(repo, t, (await client.getManifest(repo, '1')).bytes);
    const tags: string[] = [];
    for await (const t of client.listTags(repo, { pageSize: 2 })) tags.push(t);
    expect(tags).toEqual(expect.arrayContaining(['1', 't1', 't2', 't3']));
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('uploads: skip when present, cross-repository mount, stream source, chunked; deletes a manifest', async () => {
    const file = join(work, 'blob.bin');
    const digest = await randomFile(file, 2 * 1024 * 1024 + 5);
    const sessions: UploadSessionEnd[] = [];
    const onSession = (s: UploadSessionEnd): number => sessions.push(s);
    const chunked = await client.uploadBlob(repo, { file }, { onSession });
    expect(chunked.digest).toBe(digest);
    expect(sessions.map((s) => s.outcome)).toEqual(['committed']);
    await client.uploadBlob(repo, { file }, { digest, onSession }); // present: no session
    expect(sessions).toHaveLength(1);
    const other = uniqueRepo('mount');
    await client.uploadBlob(other, { file }, { digest, mountFrom: repo, onSession });
    expect(sessions).toHaveLength(1); // mounted: 201, no session
    expect(await client.headBlob(other, digest)).toBe(2 * 1024 * 1024 + 5);
    const streamed = await client.uploadBlob(uniqueRepo('stream'), { stream: Readable.from([readFileSync(file)]) });
    expect(streamed.digest).toBe(digest);
    const m = await client.getManifest(repo, 't3');
    await client.deleteManifest(repo, m.descriptor.digest);
    expect(await client.headManifest(repo, m.descriptor.digest)).toBeUndefined();
  });

  it('abort during a chunked upload deletes the upload session', async () => {
    const file = join(work, 'abort.bin');
    await randomFile(file, 8 * 1024 * 1024);
    const r = uniqueRepo('abort');
    const controller = new AbortController();
    const sessions: UploadSessionEnd[] = [];
    const p = client.uploadBlob(
      r,
      { file },
      {
        chunkSize: 1 << 20,
        signal: controller.signal,
        onSession: (s) => sessions.push(s),
        onProgress: (x) => {
          if (x.bytesDone >= 3 << 20) controller.abort();
        },
      },
    );
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(sessions.map((s) => s.outcome)).toEqual(['deleted']);
    expect(uploadSessions(env, r)).toEqual([]);
  });

  it('download: the same verified bytes with direct I/O (whole slabs) and through the page cache', async () => {
    const file = join(work, 'dio.bin');
    const digest = await randomFile(file, 9 * 1024 * 1024 + 123); // two whole 4 MiB slabs and a short tail
    await client.uploadBlob(repo, { file }, { digest });
    const bytes = readFileSync(file);
    for (const directIo of [true, false]) {
      const out = join(work, `dio-${directIo}.bin`);
      const r = await downloadBlob(client, { repository: repo, digest, file: out, directIo }).done();
      expect(r).toMatchObject({ digest, size: bytes.length });
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
  });

  it('download: resumes a partial file, removes a corrupt one, keeps it on abort', async () => {
    const file = join(work, 'dl.bin');
    const digest = await randomFile(file, 4 * 1024 * 1024);
    await client.uploadBlob(repo, { file }, { digest });
    const bytes = readFileSync(file);
    const out = join(work, 'dl-out.bin');
    writeFileSync(`${out}.partial`, bytes.subarray(0, 1_000_000));
    const first: number[] = [];
    const op = downloadBlob(client, { repository: repo, digest, file: out });
    op.on('progress', (p) => first.push(p.bytesDone));
    await op.done();
    expect(first[0]).toBe(1_000_000 - (1_000_000 % 4096)); // resumed from the partial's last 4 KiB boundary, not from 0
    expect(readFileSync(out).equals(bytes)).toBe(true);

    const bad = join(work, 'dl-bad.bin');
    writeFileSync(`${bad}.partial`, Buffer.alloc(5000, 1)); // its first 4 KiB are kept, and are wrong
    await expect(downloadBlob(client, { repository: repo, digest, file: bad }).done()).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    expect(existsSync(`${bad}.partial`)).toBe(false);
    expect(existsSync(bad)).toBe(false);

    const ab = join(work, 'dl-abort.bin');
    const op2 = downloadBlob(client, { repository: repo, digest, file: ab });
    op2.on('progress', (p) => {
      if (p.bytesDone > 0) op2.abort();
    });
    await expect(op2.done()).rejects.toBeInstanceOf(AbortError);
    expect(existsSync(ab)).toBe(false);
    expect(statSync(`${ab}.partial`).size).toBeGreaterThan(0);
    await downloadBlob(client, { repository: repo, digest, file: ab }).done();
    expect(readFileSync(ab).equals(bytes)).toBe(true);
  });
});
