/**
 * What upstream's `flightctl` needs from the adapter (issue 14): SSE framed as upstream's unless
 * the resumable framing is asked for, login's auth endpoints, the API under `/_/imagebuilder` and
 * at the root, PUT/PATCH for repositories, Go's boolean syntax, strictUpstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '@imagebuild/core/lifecycle';
import { LOG_STREAM_COMPLETE } from '@imagebuild/http';
import {
  addRepositories,
  auth,
  build,
  json,
  repository,
  send,
  startInstantServer,
  type InstantServer,
} from './support/instant-server.js';

let srv: InstantServer;
beforeAll(async () => {
  // Builds named hang-* run (logging every 5 ms) until canceled; the others complete at once.
  srv = await startInstantServer(
    { behaviour: (_k, name) => (name.startsWith('hang-') ? 'hang' : 'ok'), lines: 3 },
    { keepAliveMs: 10 },
  );
  await addRepositories(srv.url);
});
afterAll(async () => srv?.close());

const create = async (name: string): Promise<void> => {
  const r = await send(`${srv.url}/api/v1/imagebuilds`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(build(name)),
  });
  expect(r.status).toBe(201);
};

/** Follows a hanging build's log for a while, then cancels it; resolves with the whole response. */
async function followThenCancel(name: string, headers: Record<string, string>) {
  await create(name);
  const pending = send(`${srv.url}/api/v1/imagebuilds/${name}/log?follow=1`, { headers: { ...auth, ...headers } });
  setTimeout(() => void srv.builder.cancel('ImageBuild', name), 150);
  return pending;
}

describe('SSE framing', () => {
  it('by default as upstream: data: lines, the completion marker, no id: and no keep-alive comments', async () => {
    const r = await followThenCancel('hang-plain', {});
    expect(r.headers['content-type']).toBe('text/event-stream');
    const lines = r.text.split('\n');
    expect(lines.every((l) => l === '' || l.startsWith('data: '))).toBe(true);
    expect(lines.filter((l) => l.startsWith('data: still working')).length).toBeGreaterThan(3);
    expect(r.text.endsWith(`data: ${LOG_STREAM_COMPLETE}\n\n`)).toBe(true);
  });

  it('resumable when the client accepts text/event-stream: id: per line and keep-alive comments', async () => {
    const r = await followThenCancel('hang-resumable', { accept: 'text/event-stream' });
    const ids = [...r.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(3);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(r.text).toContain(': keep-alive\n\n');
    const resumed = await send(`${srv.url}/api/v1/imagebuilds/hang-resumable/log?follow=true`, {
      headers: { ...auth, 'last-event-id': String(ids.length - 2) },
    });
    expect([...resumed.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(-2));
  });
});

describe('login and addresses', () => {
  it('GET /api/v1/auth/config lists a token provider without credentials; auth/validate checks the token', async () => {
    const config = await send(`${srv.url}/api/v1/auth/config`);
    expect(config.status).toBe(200);
    const body = JSON.parse(config.text) as {
      providers: Array<{ metadata: { name: string } }>;
      defaultProvider: string;
    };
    expect(body.providers.length).toBe(1);
    expect(body.defaultProvider).toBe(body.providers[0]!.metadata.name);
    expect((await send(`${srv.url}/api/v1/auth/validate`)).status).toBe(401);
    expect((await send(`${srv.url}/api/v1/auth/validate`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    expect((await send(`${srv.url}/api/v1/auth/validate`, { headers: auth })).status).toBe(200);
  });

  it('serves the API at the root and under /_/imagebuilder; other prefixes are 404', async () => {
    expect((await send(`${srv.url}/api/v1/imagebuilds`, { headers: auth })).status).toBe(200);
    expect((await send(`${srv.url}/_/imagebuilder/api/v1/imagebuilds`, { headers: auth })).status).toBe(200);
    expect((await send(`${srv.url}/_/other/api/v1/imagebuilds`, { headers: auth })).status).toBe(404);
  });

  it("boolean query values as Go's strconv.ParseBool reads them; anything else 400", async () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'])
      expect((await send(`${srv.url}/api/v1/imagebuilds?withExports=${v}`, { headers: auth })).status).toBe(200);
    for (const v of ['yes', 'on', 'tRUE', '2']) {
      const r = await send(`${srv.url}/api/v1/imagebuilds?withExports=${v}`, { headers: auth });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).message).toMatch(/^query parameter withExports: ".*" is not a boolean/);
    }
  });
});

describe('repositories: PUT and PATCH', () => {
  const url = (name: string) => `${srv.url}/api/v1/repositories/${name}`;

  it('PUT creates (201), then replaces (200); a body naming another resource is 400', async () => {
    const first = await send(url('put-a'), { method: 'PUT', headers: json, body: JSON.stringify(repository('put-a')) });
    expect(first.status).toBe(201);
    const again = await send(url('put-a'), {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(repository('put-a', 'quay.io')),
    });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text).spec.registry).toBe('quay.io');
    const other = await send(url('put-a'), { method: 'PUT', headers: json, body: JSON.stringify(repository('put-b')) });
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text).message).toContain('metadata.name');
  });

  it('PATCH applies an RFC 6902 JSON Patch or an RFC 7386 merge patch; a failing test op changes nothing', async () => {
    await send(url('patch-a'), { method: 'PUT', headers: json, body: JSON.stringify(repository('patch-a')) });
    const patch = (type: string, body: unknown) =>
      send(url('patch-a'), { method: 'PATCH', headers: { ...auth, 'content-type': type }, body: JSON.stringify(body) });
    const p1 = await patch('application/json-patch+json', [
      { op: 'test', path: '/spec/registry', value: '127.0.0.1:5000' },
      { op: 'replace', path: '/spec/registry', value: 'registry.example.com' },
      { op: 'add', path: '/metadata/labels', value: { env: 'test' } },
    ]);
    expect(p1.status).toBe(200);
    expect(JSON.parse(p1.text).spec.registry).toBe('registry.example.com');
    const failed = await patch('application/json-patch+json', [
      { op: 'test', path: '/spec/registry', value: 'other' },
      { op: 'replace', path: '/spec/registry', value: 'never.example.com' },
    ]);
    expect(failed.status).toBe(400);
    const merged = await patch('application/merge-patch+json', { metadata: { labels: { env: null, tier: 'a' } } });
    expect(merged.status).toBe(200);
    const now = JSON.parse((await send(url('patch-a'), { headers: auth })).text);
    expect(now.spec.registry).toBe('registry.example.com');
    expect(now.metadata.labels).toEqual({ tier: 'a' });
    expect((await patch('application/json', [])).status).toBe(415);
  });

  it('PATCH of a repository with a password it does not restate is refused rather than storing the mask', async () => {
    const withAuth = {
      ...repository('patch-auth'),
      spec: { ...repository('patch-auth').spec, ociAuth: { authType: 'docker', username: 'u', password: 'pw-123456' } },
    };
    expect(
      (await send(url('patch-auth'), { method: 'PUT', headers: json, body: JSON.stringify(withAuth) })).status,
    ).toBe(201);
    const r = await send(url('patch-auth'), {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/spec/registry', value: 'quay.io' }]),
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toMatch(/^spec\.ociAuth\.password: the stored password cannot be read back/);
  });
});

describe('strictUpstream', () => {
  it('refuses an export format upstream does not know; without it the format is accepted', async () => {
    const strict = await startInstantServer({}, { strictUpstream: true });
    try {
      await addRepositories(strict.url);
      for (const s of [strict, srv]) {
        await send(`${s.url}/api/v1/imagebuilds`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify(build('fmt')),
        });
        const r = await send(`${s.url}/api/v1/imageexports`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({
            apiVersion: 'flightctl.io/v1alpha1',
            kind: 'ImageExport',
            metadata: { name: 'fmt-raw' },
            spec: { source: { type: 'imageBuild', imageBuildRef: 'fmt' }, format: 'raw' },
          }),
        });
        if (s === strict) {
          expect(r.status).toBe(400);
          expect(JSON.parse(r.text).message).toMatch(
            /^spec\.format: must be one of vmdk, qcow2, iso, qcow2-disk-container/,
          );
        } else expect(r.status).toBe(201);
      }
    } finally {
      await strict.close();
    }
  });
});

describe('a finished build', () => {
  it('answers a follow with the stored text (as upstream), whatever the Accept', async () => {
    await create('done-a');
    for (;;) {
      const b = await srv.builder.get('ImageBuild', 'done-a');
      if (isTerminal(b.status?.conditions?.find((c) => c.type === 'Ready')?.reason)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const r = await send(`${srv.url}/api/v1/imagebuilds/done-a/log?follow=true`, {
      headers: { ...auth, accept: 'text/event-stream' },
    });
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.text).toContain('Building done-a step 1\n');
  });
});
