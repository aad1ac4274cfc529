import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '@imagebuild/core/errors';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MediaType,
  RegistryClient,
  downloadArtifact,
  pushArtifact,
  referrersTag,
  type ImageManifest,
} from '../src/index.js';
import { harnessEnv, randomFile, skopeo, uniqueRepo } from './helpers.js';

const env = harnessEnv();
const work = mkdtempSync(join(tmpdir(), 'oci-tls-'));
const ca = readFileSync(env.ca, 'utf8');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectNoSecret(err: unknown): void {
  const text = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack ?? ''}`;
  expect(text).not.toContain(env.password);
  expect(text).not.toContain(Buffer.from(`${env.user}:${env.password}`).toString('base64'));
}

async function caught(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

describe('registry B (TLS + htpasswd)', () => {
  it('pushes an artifact with CA and basic auth from a Repository resource; skopeo reads it', async () => {
    const client = RegistryClient.fromRepository({
      spec: {
        registry: env.tls,
        scheme: 'https',
        ociAuth: { authType: 'docker', username: env.user, password: env.password },
        'ca.crt': Buffer.from(ca).toString('base64'),
      },
    });
    const repo = uniqueRepo('tls');
    await skopeo([
      'copy',
      '-q',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${env.user}:${env.password}`,
      `docker://${env.baseImagePlain}`,
      `docker://${env.tls}/${repo}:1`,
    ]);
    await client.ping();
    const file = join(work, 'disk.iso');
    const digest = await randomFile(file, 2 * 1024 * 1024 + 3);
    const r = await pushArtifact(client, {
      repository: repo,
      file,
      artifactType: 'application/vnd.iso',
      subject: '1',
    }).done();
    const raw = await skopeo([
      'inspect',
      '--raw',
      '--cert-dir',
      join(env.dir, 'registry/certs.d', env.tls),
      '--creds',
      `${env.user}:${env.password}`,
      `docker://${env.tls}/${repo}@${r.digest}`,
    ]);
    const m = JSON.parse(raw) as ImageManifest;
    expect(m.artifactType).toBe('application/vnd.iso');
    expect(m.layers[0]?.digest).toBe(digest);
    expect((await client.listReferrers(repo, r.subject.digest)).map((d) => d.digest)).toEqual([r.digest]);
    const out = join(work, 'out.iso');
    expect(
      (
        await downloadArtifact(client, {
          repository: repo,
          subject: '1',
          artifactType: 'application/vnd.iso',
          file: out,
        }).done()
      ).digest,
    ).toBe(digest);
    expect(await client.headManifest(repo, referrersTag(r.subject.digest))).toMatchObject({
      mediaType: MediaType.OciIndex,
    });
    await client.close();
  });

  it('wrong password: a 401 RegistryError naming registry and operation, without the credential', async () => {
    const client = new RegistryClient({ registry: env.tls, ca, username: env.user, password: `${env.password}-wrong` });
    const err = await caught(client.getManifest('fixtures/bootc-base', 'latest'));
    expect(err.status).toBe(401);
    expect(err.registry).toBe(env.tls);
    expect(err.message).toContain(env.tls);
    expect(err.message).toContain('manifest GET fixtures/bootc-base:latest');
    expectNoSecret(err);
    const text = JSON.stringify(err);
    expect(text).not.toContain(`${env.password}-wrong`);
    await client.close();
  });

  it('refuses an unknown CA unless verification is skipped on request', async () => {
    const strict = new RegistryClient({ registry: env.tls, username: env.user, password: env.password });
    const err = await caught(strict.ping());
    expect(err.message).toMatch(
      /ping on 127\.0\.0\.1:5443: TLS failure \(\w+\), not retried: .*(certificate|self.signed)/i,
    );
    expectNoSecret(err);
    const lax = new RegistryClient({
      registry: env.tls,
      username: env.user,
      password: env.password,
      skipTlsVerify: true,
    });
    await lax.ping();
    await Promise.all([strict.close(), lax.close()]);
  });
});

describe('errors on registry A', () => {
  it('unknown repository / manifest: 404 with OCI codes', async () => {
    const client = new RegistryClient({ registry: env.plain, scheme: 'http' });
    const err = await caught(client.getManifest('no/such-repo', 'latest'));
    expect(err.status).toBe(404);
    expect(err.ociCodes.some((c) => c === 'NAME_UNKNOWN' || c === 'MANIFEST_UNKNOWN')).toBe(true);
    expect(err.message).toContain('manifest GET no/such-repo:latest');
    await client.close();
  });

  it('a registry answering garbage: a clear RegistryError', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>oops</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const client = new RegistryClient({
      registry: `127.0.0.1:${port}`,
      scheme: 'http',
      username: 'u',
      password: 'sekrit-password',
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const err = await caught(client.getManifest('a/b', 'latest'));
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/unexpected response body \(text\/html/);
    expect(JSON.stringify(err)).not.toContain('sekrit-password');
    await client.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

/**
 * A bearer-token gate in front of the real registry A: /token issues tokens
 * for basic credentials; /v2/ requests need `Bearer <token>`; blob GETs are
 * redirected to a second origin that records any Authorization it receives.
 */
async function startGate(): Promise<{
  port: number;
  tokens: string[];
  redirectAuth: (string | undefined)[];
  close: () => Promise<void>;
}> {
  const tokens: string[] = [];
  const redirectAuth: (string | undefined)[] = [];
  const forward = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'authorization', 'connection'].includes(k)) headers[k] = v;
    const up = await fetch(`http://${env.plain}${path}`, {
      method: req.method ?? 'GET',
      headers,
      body: chunks.length ? Buffer.concat(chunks) : null,
      redirect: 'manual',
    });
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
    });
    const body = Buffer.from(await up.arrayBuffer());
    res.writeHead(up.status, out);
    res.end(body);
  };
  const other: Server = createServer((req, res) => {
    redirectAuth.push(req.headers.authorization);
    void forward(req, res, req.url ?? '/');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as { port: number }).port;
  const gate: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:gate-password').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      const token = `tok-${tokens.length}-${url.searchParams.getAll('scope').join('+')}`;
      tokens.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer tok-')) {
      const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${(gate.address() as { port: number }).port}/token",service="gate"${repo ? `,scope="repository:${repo}:pull"` : ''}`,
          'content-type': 'application/json',
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (req.method === 'GET' && /\/blobs\/sha256:/.test(url.pathname)) {
      res.writeHead(307, { location: `http://localhost:${otherPort}${req.url ?? ''}` }).end();
      return;
    }
    void forward(req, res, req.url ?? '/');
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', () => r()));
  return {
    port: (gate.address() as { port: number }).port,
    tokens,
    redirectAuth,
    close: async () => {
      await new Promise<void>((r) => gate.close(() => r()));
      await new Promise<void>((r) => other.close(() => r()));
    },
  };
}

describe('bearer token flow and redirects (gate in front of registry A)', () => {
  it('gets a token per scope, caches it, and sends no credentials to a redirect target', async () => {
    const gate = await startGate();
    const client = new RegistryClient({
      registry: `127.0.0.1:${gate.port}`,
      scheme: 'http',
      username: 'alice',
      password: 'gate-password',
    });
    const m = await client.getManifest('fixtures/bootc-base', 'latest');
    await client.getManifest('fixtures/bootc-base', 'latest');
    expect(gate.tokens).toHaveLength(1);
    expect(gate.tokens[0]).toContain('repository:fixtures/bootc-base:pull');
    const config = (m.manifest as ImageManifest).config;
    const blob = await client.getBlob('fixtures/bootc-base', config.digest);
    let n = 0;
    for await (const c of blob.body) n += (c as Buffer).length;
    expect(n).toBe(config.size);
    expect(gate.redirectAuth).toEqual([undefined]);
    await client.close();

    const wrong = new RegistryClient({
      registry: `127.0.0.1:${gate.port}`,
      scheme: 'http',
      username: 'alice',
      password: 'not-it-password',
    });
    const err = await caught(wrong.getManifest('fixtures/bootc-base', 'latest'));
    expect(err.operation).toBe('token');
    expect(err.status).toBe(401);
    expect(JSON.stringify(err) + err.message).not.toContain('not-it-password');
    await wrong.close();
    await gate.close();
  });
});
