import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '@imagebuild/core/errors';
import { startFaultProxy } from '@imagebuild/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient, downloadBlob } from '../src/index.js';
import { harnessEnv } from './helpers.js';

const env = harnessEnv();
const work = mkdtempSync(join(tmpdir(), 'oci-tlserr-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A self-signed certificate for `example.invalid` only (not 127.0.0.1). */
function selfSigned(): { key: string; cert: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=example.invalid',
      '-addext',
      'subjectAltName=DNS:example.invalid',
      '-keyout',
      join(work, 'key.pem'),
      '-out',
      join(work, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(work, 'key.pem'), 'utf8'), cert: readFileSync(join(work, 'cert.pem'), 'utf8') };
}

async function failure(p: Promise<unknown>): Promise<RegistryError> {
  const t0 = Date.now();
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  // Retrying would take at least the backoff (1 s here) before failing.
  expect(Date.now() - t0).toBeLessThan(900);
  return err as RegistryError;
}

// Generous retries: a retried TLS failure would show up as extra connections and time.
const retry = { retries: 4, baseDelayMs: 1000, maxDelayMs: 1000 };

describe('TLS certificate errors fail at once (no retry)', () => {
  it('registry B with an untrusted CA: one connection, the code named', async () => {
    const counter = await startFaultProxy({ target: env.tls, probability: 0, lifetimeMs: 60_000 });
    const client = new RegistryClient({ registry: counter.address, retry });
    try {
      const err = await failure(client.ping());
      expect(err.message).toMatch(
        /ping on 127\.0\.0\.1:\d+: TLS failure \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\), not retried/,
      );
      const dl = await failure(
        downloadBlob(client, {
          repository: 'fixtures/bootc-base',
          digest: `sha256:${'0'.repeat(64)}`,
          file: join(work, 'x'),
        }).done(),
      );
      expect(dl.message).toMatch(/TLS failure/);
      expect(counter.stats.connections).toBe(2);
    } finally {
      await client.close();
      await counter.stop();
    }
  });

  it('a self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT) and a name mismatch (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const { key, cert } = selfSigned();
    let connections = 0;
    const server: Server = createServer({ key, cert }, (s) => s.destroy());
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const registry = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const untrusted = new RegistryClient({ registry, retry });
    const trusted = new RegistryClient({ registry, ca: cert, retry });
    try {
      expect((await failure(untrusted.getManifest('a/b', 'latest'))).message).toContain(
        'TLS failure (DEPTH_ZERO_SELF_SIGNED_CERT)',
      );
      expect((await failure(trusted.headBlob('a/b', `sha256:${'1'.repeat(64)}`))).message).toContain(
        'TLS failure (ERR_TLS_CERT_ALTNAME_INVALID)',
      );
      expect(connections).toBe(2);
    } finally {
      await Promise.all([untrusted.close(), trusted.close()]);
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
