// Issue 12 (OCI client): a hostile registry's bodies are bounded (LimitExceededError naming the
// configurable limit) and its error words reach messages escaped and cut.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LimitExceededError, RegistryError } from '@imagebuild/core/errors';
import { RegistryClient } from '../registry-client.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function registry(handler: (res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    handler(res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function flood(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
  const chunk = Buffer.alloc(64 * 1024, ' ');
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

describe('hostile registry bodies', () => {
  it('an endless manifest stops at maxManifestBytes with LimitExceededError', async () => {
    const client = new RegistryClient({
      registry: await registry(flood),
      scheme: 'http',
      maxManifestBytes: 256 * 1024,
    });
    try {
      const err = await client.getManifest('a/b', 'v1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LimitExceededError);
      expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxManifestBytes', max: 256 * 1024 });
    } finally {
      await client.close();
    }
  });

  it('a registry error message with control characters is escaped and cut', async () => {
    const message = `denied\r\nFORGED\u001b[2J${'m'.repeat(5000)}`;
    const host = await registry((res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED\n', message }] }));
    });
    const client = new RegistryClient({ registry: host, scheme: 'http' });
    try {
      const err = (await client.getManifest('a/b', 'v1').catch((e: unknown) => e)) as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      for (const c of ['\r', '\n', '\u001b']) expect(err.message).not.toContain(c);
      expect(err.message).toContain('denied\\r\\nFORGED\\x1b[2J');
      expect(err.message.length).toBeLessThan(600);
    } finally {
      await client.close();
    }
  });
});
