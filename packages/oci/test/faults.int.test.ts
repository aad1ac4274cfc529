import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultProxy } from '@imagebuild/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient, downloadBlob, type UploadSessionEnd } from '../src/index.js';
import { harnessEnv, randomFile, uniqueRepo, uploadSessions } from './helpers.js';

const env = harnessEnv();
const work = mkdtempSync(join(tmpdir(), 'oci-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 32 * 1024 * 1024;
const N = 50;

describe('fault injection: connections cut at random byte offsets in front of registry A', () => {
  it(`${N} pushes and ${N} downloads of random 32 MiB files complete with correct digests; no upload session left open`, async () => {
    const seed = Number(process.env['FAULT_SEED'] ?? Date.now() % 1e9);
    const proxy = await startFaultProxy({
      target: env.plain,
      probability: 1,
      minOffset: 1024 * 1024,
      maxOffset: 96 * 1024 * 1024,
      maxCuts: 100,
      lifetimeMs: 15 * 60_000,
      seed,
    });
    const client = new RegistryClient({
      registry: proxy.address,
      scheme: 'http',
      chunkSize: 8 * 1024 * 1024,
      retry: { retries: 7, baseDelayMs: 20, maxDelayMs: 500 },
    });
    const repo = uniqueRepo('faults');
    const sessions: UploadSessionEnd[] = [];
    const file = join(work, 'blob.bin');
    const out = join(work, 'out.bin');
    try {
      for (let i = 0; i < N; i++) {
        const digest = await randomFile(file, SIZE);
        const pushed = await client.uploadBlob(repo, { file }, { onSession: (s) => sessions.push(s) });
        expect(pushed.digest, `push ${i} (seed ${seed})`).toBe(digest);
        const got = await downloadBlob(client, { repository: repo, digest, size: SIZE, file: out }).done();
        expect(got.digest).toBe(digest);
        rmSync(out);
      }
    } finally {
      await client.close();
      await proxy.stop();
    }
    const outcomes: Record<string, number> = {};
    for (const s of sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    console.info(
      `fault run: seed ${seed}, ${proxy.stats.connections} connections, ${proxy.stats.cuts} cuts, sessions ${JSON.stringify(outcomes)}`,
    );
    expect(proxy.stats.cuts, `seed ${seed}`).toBeGreaterThan(10);
    // Every session the client opened was committed or deleted, except those the registry itself
    // invalidated (2.8 refuses to resume or delete a session whose chunk was cut mid-body).
    const left = uploadSessions(env, repo);
    const invalidated = sessions.filter((s) => s.outcome === 'invalidated').map((s) => s.session.split('/').pop());
    expect(
      left.filter((id) => !invalidated.includes(id)),
      `open sessions (seed ${seed})`,
    ).toEqual([]);
    expect(sessions.filter((s) => s.outcome === 'committed')).toHaveLength(N);
    expect(invalidated.length).toBeLessThanOrEqual(proxy.stats.cuts);
  });
});
