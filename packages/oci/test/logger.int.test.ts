// The client's logger at the decisions a user needs to see: a retry and a resume of a download cut by
// the fault proxy in front of registry B (TLS + htpasswd), the auth scheme chosen, and never the
// Repository's password in any record.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogFields, Logger } from '@imagebuild/core/logger';
import { startFaultProxy } from '@imagebuild/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient, downloadBlob } from '../src/index.js';
import { harnessEnv, randomFile, uniqueRepo } from './helpers.js';

const env = harnessEnv();
const work = mkdtempSync(join(tmpdir(), 'ib-oci-logger-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Captured {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

/** A bare Logger that keeps what it is handed, as a user's own logger would (no redaction of its own). */
function capture(): { logger: Logger; records: Captured[] } {
  const records: Captured[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void =>
      void records.push({ level, message, fields });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, records };
}

describe('RegistryClient logger', () => {
  it('receives a retry and a resume of a cut download and the auth scheme, never the password', async () => {
    const SIZE = 8 * 1024 * 1024;
    const repo = uniqueRepo('logger');
    const file = join(work, 'blob.bin');
    const digest = await randomFile(file, SIZE);
    const repository = {
      spec: {
        registry: env.tls,
        scheme: 'https' as const,
        ociAuth: { authType: 'docker' as const, username: env.user, password: env.password },
        'ca.crt': Buffer.from(readFileSync(env.ca)).toString('base64'),
      },
    };
    const direct = RegistryClient.fromRepository(repository);
    try {
      await direct.uploadBlob(repo, { file });
    } finally {
      await direct.close();
    }
    // Only the download moves megabytes: its first connection is cut after 3 MiB.
    const proxy = await startFaultProxy({
      target: env.tls,
      probability: 1,
      minOffset: 3 * 1024 * 1024,
      maxOffset: 3 * 1024 * 1024,
      maxCuts: 1,
      lifetimeMs: 60_000,
    });
    const { logger, records } = capture();
    const client = RegistryClient.fromRepository(
      { spec: { ...repository.spec, registry: proxy.address } },
      { logger, retry: { retries: 4, baseDelayMs: 10, maxDelayMs: 50 } },
    );
    const out = join(work, 'out.bin');
    try {
      const got = await downloadBlob(client, { repository: repo, digest, size: SIZE, file: out }).done();
      expect(got.digest).toBe(digest);
    } finally {
      await client.close();
      await proxy.stop();
    }
    expect(proxy.stats.cuts).toBe(1);

    const retry = records.find((r) => r.level === 'warn' && r.message === 'retrying');
    expect(retry?.fields).toMatchObject({ component: 'oci', registry: proxy.address, attempt: 2 });
    expect(typeof retry?.fields?.['delayMs']).toBe('number');
    expect(retry?.fields?.['code'] ?? retry?.fields?.['status']).toBeDefined();
    const resume = records.find((r) => r.level === 'info' && r.message === 'resuming download');
    expect(resume?.fields?.['offset']).toBeGreaterThan(0);
    expect((resume?.fields?.['offset'] as number) % 4096).toBe(0);
    expect(records.find((r) => r.message === 'auth scheme chosen')?.fields).toMatchObject({ scheme: 'basic' });

    const basic = Buffer.from(`${env.user}:${env.password}`).toString('base64');
    for (const r of records) {
      const text = `${r.message} ${JSON.stringify(r.fields)}`;
      expect(text).not.toContain(env.password);
      expect(text).not.toContain(basic);
    }
  });
});
