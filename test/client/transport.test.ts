/** The client's request pipeline against a scripted local server: headers, errors, retries, timeouts, abort. */
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, TimeoutError, ValidationError } from '@imagebuild/core';
import { ApiError } from '@imagebuild/core/errors';
import { ImageBuilderClient, deriveImageBuilderUrl, isFinished } from '@imagebuild/client';
import { json, sampleBuild, startScriptedServer, status, type ScriptedServer } from './support/scripted-server.js';

let srv: ScriptedServer | undefined;
let client: ImageBuilderClient | undefined;
afterEach(async () => {
  await client?.close();
  await srv?.close();
  client = srv = undefined;
});

const ORG = '11111111-2222-3333-4444-555555555555';

describe('client requests', () => {
  it('send org_id, the bearer token from an async provider, the API version per API and a request id', async () => {
    srv = await startScriptedServer((req, res) =>
      req.url.pathname.startsWith('/api/v1/repositories')
        ? json(res, 200, { apiVersion: 'flightctl.io/v1beta1', kind: 'RepositoryList', metadata: {}, items: [] })
        : json(res, 200, sampleBuild('b1')),
    );
    let calls = 0;
    client = new ImageBuilderClient({
      baseUrl: `${srv.url}/_/imagebuilder/`,
      coreBaseUrl: srv.url,
      orgId: ORG,
      token: async () => `tok-${++calls}`,
      userAgent: 'imagebuild-test',
    });
    await client.imageBuilds.get('b1', { withExports: true });
    await client.repositories.list().toArray();
    const [a, b] = srv.seen;
    expect(a!.url.pathname).toBe('/_/imagebuilder/api/v1/imagebuilds/b1');
    expect(a!.url.searchParams.get('org_id')).toBe(ORG);
    expect(a!.url.searchParams.get('withExports')).toBe('true');
    expect(a!.headers.authorization).toBe('Bearer tok-1');
    expect(a!.headers['flightctl-api-version']).toBe('v1alpha1');
    expect(a!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a!.headers['user-agent']).toBe('imagebuild-test');
    expect(b!.url.pathname).toBe('/api/v1/repositories');
    expect(b!.url.searchParams.get('org_id')).toBe(ORG);
    expect(b!.headers['flightctl-api-version']).toBe('v1beta1');
    expect(b!.headers.authorization).toBe('Bearer tok-2');
  });

  it('throws ApiError from the Status body, keyed on the HTTP status, with the request id', async () => {
    srv = await startScriptedServer((req, res) =>
      json(res, 404, status(404, 'ImageBuild nope not found'), { 'X-Request-Id': String(req.headers['x-request-id']) }),
    );
    client = new ImageBuilderClient({ baseUrl: srv.url, requestId: () => 'req-123' });
    const err = (await client.imageBuilds.get('nope').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toBe('get ImageBuild nope: 404 ImageBuild nope not found');
    expect(err.requestId).toBe('req-123');
    expect(err.body).toMatchObject({ kind: 'Status', code: 404 });
  });

  it('keeps a non-JSON error body as text', async () => {
    srv = await startScriptedServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 0 } });
    const err = (await client.imageBuilds.get('x').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.message).toContain('<html>bad gateway</html>');
  });

  it('retries idempotent calls on 503 (honouring Retry-After) with the same request id', async () => {
    let n = 0;
    srv = await startScriptedServer((_req, res) =>
      ++n < 3 ? json(res, 503, status(503, 'busy'), { 'Retry-After': '0' }) : json(res, 200, sampleBuild('b')),
    );
    const warned: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const ignore = (): void => undefined;
    const logger = {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (message: string, fields?: Record<string, unknown>) => void warned.push({ message, fields }),
    };
    client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 2, minDelayMs: 1 }, logger });
    expect((await client.imageBuilds.get('b')).metadata.name).toBe('b');
    expect(srv.seen).toHaveLength(3);
    expect(new Set(srv.seen.map((s) => s.headers['x-request-id'])).size).toBe(1);
    // Each retry reaches the caller's logger: the attempt, the delay (Retry-After: 0) and the status.
    expect(warned.map((w) => w.fields)).toEqual([
      expect.objectContaining({ component: 'client', attempt: 2, delayMs: 0, status: 503 }),
      expect.objectContaining({ component: 'client', attempt: 3, delayMs: 0, status: 503 }),
    ]);
  });

  it('never retries a POST', async () => {
    srv = await startScriptedServer((_req, res) => json(res, 503, status(503, 'busy')));
    client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 3, minDelayMs: 1 } });
    const err = (await client.imageBuilds.cancel('b').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    expect(srv.seen).toHaveLength(1);
  });

  it('retries a GET after a dropped connection', async () => {
    let n = 0;
    srv = await startScriptedServer((_req, res) => {
      if (++n === 1) res.socket?.destroy();
      else json(res, 200, sampleBuild('b'));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 1, minDelayMs: 1 } });
    expect((await client.imageBuilds.get('b')).metadata.name).toBe('b');
    expect(srv.seen).toHaveLength(2);
  });

  it('gives up with TimeoutError when headers do not arrive in time', async () => {
    srv = await startScriptedServer((_req, res) => void setTimeout(() => json(res, 200, sampleBuild('b')), 1500));
    client = new ImageBuilderClient({ baseUrl: srv.url, timeoutMs: 100, retry: { retries: 0 } });
    await expect(client.imageBuilds.get('b')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects with AbortError when the caller aborts', async () => {
    srv = await startScriptedServer((_req, res) => void setTimeout(() => json(res, 200, sampleBuild('b')), 1500));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(client.imageBuilds.get('b', { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
  });

  it('reports an unreachable server as ApiError status 0 naming the URL', async () => {
    client = new ImageBuilderClient({ baseUrl: 'http://127.0.0.1:9', retry: { retries: 0 } });
    const err = (await client.imageBuilds.get('b').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toContain('http://127.0.0.1:9/api/v1/imagebuilds/b');
  });

  it('validates options and map selectors with typed errors naming the field', async () => {
    expect(() => new ImageBuilderClient({ baseUrl: 'ftp://x' })).toThrow(ValidationError);
    client = new ImageBuilderClient({ baseUrl: 'http://127.0.0.1:9' });
    expect(() => client!.imageBuilds.list({ labelSelector: { 'bad key!': 'v' } })).toThrow(/labelSelector\.bad key!/);
    expect(() => client!.imageBuilds.list({ fieldSelector: { 'spec.format': 'a,b' } })).toThrow(
      /fieldSelector\.spec\.format/,
    );
    await expect(client.repositories.get('x')).rejects.toThrow(/coreBaseUrl/);
  });

  it('waitFor polls until the predicate holds, or times out', async () => {
    let n = 0;
    srv = await startScriptedServer((_req, res) => {
      const reason = ++n < 3 ? 'Building' : 'Completed';
      json(res, 200, {
        ...sampleBuild('w'),
        status: {
          conditions: [
            {
              type: 'Ready',
              status: reason === 'Completed' ? 'True' : 'False',
              reason,
              message: '',
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      });
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const done = await client.waitFor('ImageBuild', 'w', isFinished, { intervalMs: 10 });
    expect(done.status?.conditions?.[0]?.reason).toBe('Completed');
    await expect(
      client.waitFor('ImageBuild', 'w', () => false, { intervalMs: 10, timeout: 100 }),
    ).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('deriveImageBuilderUrl', () => {
  it.each([
    ['https://api.example.com', 'https://imagebuilder-api.example.com'],
    ['https://api.example.com:443', 'https://imagebuilder-api.example.com'],
    ['https://flightctl.example.com:3443', 'https://flightctl.example.com:8445'],
    ['https://flightctl.example.com', 'https://flightctl.example.com/_/imagebuilder'],
    ['https://10.0.0.5:3443', 'https://10.0.0.5:8445'],
  ])('%s → %s', (core, expected) => {
    expect(deriveImageBuilderUrl(core)).toBe(expected);
  });
});
