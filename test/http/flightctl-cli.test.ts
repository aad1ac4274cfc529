/**
 * The adapter driven exactly as upstream's `flightctl` drives a server (see support/flightctl-emu.ts):
 * login → apply → get → logs -f → download → delete over a real ImageBuilder run by the builder's
 * instant test runner. The export's file is served from memory here (the registry path is covered
 * by flightctl-cli.int.test.ts, which runs the same steps on the real engines and registries).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageBuilder } from '@imagebuild/builder';
import { getReadyReason } from '@imagebuild/core/lifecycle';
import { createImageBuilderHandler, type BuilderApi } from '@imagebuild/http';
import { InstantRunner } from '../../packages/builder/test/instant-runner.js';
import { Flightctl, deriveImageBuilderServer, parseLikeFlightctl } from './support/flightctl-emu.js';
import { build, repository } from './support/instant-server.js';

const TOKEN = 'flightctl-emu-token-0001';
const FILE = Buffer.alloc(256 * 1024, 9);
let builder: ImageBuilder;
let server: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'ib-flightctl-'));

beforeAll(async () => {
  // One job at a time: a hanging blocker keeps the build Pending until the CLI is following its log.
  builder = new ImageBuilder({
    runners: [new InstantRunner({ behaviour: (_k, name) => (name === 'blocker' ? 'hang' : 'ok'), lines: 40 })],
    concurrency: 1,
  });
  const api: BuilderApi = {
    create: builder.create.bind(builder),
    apply: builder.apply.bind(builder),
    get: builder.get.bind(builder),
    list: builder.list.bind(builder),
    delete: builder.delete.bind(builder),
    cancel: builder.cancel.bind(builder),
    newVersion: builder.newVersion.bind(builder),
    logs: builder.logs.bind(builder),
    readLog: builder.readLog.bind(builder),
    openExport: async () => ({
      filename: 'cli-build.qcow2',
      size: FILE.length,
      digest: `sha256:${'f'.repeat(64)}`,
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      manifestDigest: `sha256:${'c'.repeat(64)}`,
      open: async ({ offset = 0 }: { offset?: number } = {}) => Readable.from([FILE.subarray(offset)]),
      close: async () => undefined,
    }),
  };
  const handler = createImageBuilderHandler(api, { auth: (req) => req.headers.authorization === `Bearer ${TOKEN}` });
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await builder?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('upstream flightctl against the adapter', () => {
  it('derives the image-builder address as login.go does', () => {
    expect(deriveImageBuilderServer('https://api.example.com')).toBe('https://imagebuilder-api.example.com');
    expect(deriveImageBuilderServer('https://h.example.com:3443')).toBe('https://h.example.com:8445');
    expect(deriveImageBuilderServer('http://127.0.0.1:8445')).toBe('http://127.0.0.1:8445/_/imagebuilder');
  });

  it('parses SSE as logs.go does: non-data lines are printed verbatim', () => {
    expect(parseLikeFlightctl('id: 1\ndata: a\n\n: keep-alive\n\ndata: <<STREAM_COMPLETE>>\n\n')).toEqual({
      printed: ['id: 1', 'a', ': keep-alive'],
      completed: true,
    });
  });

  it('login → apply → get → logs -f → download → delete, every step succeeding', async () => {
    const cli = new Flightctl();
    await expect(cli.login(url, 'wrong-token')).rejects.toThrow(/authentication failed: 401/);
    await cli.login(url, TOKEN);
    expect(cli.imageBuilderServer).toBe(`${url}/_/imagebuilder`);
    cli.organization = '00000000-0000-0000-0000-000000000000'; // as with --org: sent as org_id everywhere

    for (const doc of [repository('src'), repository('dst')]) expect((await cli.apply(doc)).status).toBe(201);
    expect((await cli.apply(repository('dst'))).status).toBe(200); // apply again: replaced
    await builder.create(build('blocker') as never);
    const ib = { ...build('cli-build') };
    expect((await cli.apply(ib)).status).toBe(201);
    const ie = {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: 'cli-export' },
      spec: { source: { type: 'imageBuild', imageBuildRef: 'cli-build' }, format: 'qcow2' },
    };
    expect((await cli.apply(ie)).status).toBe(201);

    const listed = await cli.list('imagebuilds');
    expect(listed.status).toBe(200);
    expect(
      (JSON.parse(listed.body) as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name),
    ).toContain('cli-build');
    expect((await cli.list('imageexports')).status).toBe(200);
    const got = await cli.get('imagebuilds', 'cli-build');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).metadata.name).toBe('cli-build');

    // The build is queued behind the blocker: `logs -f` gets SSE and must print only log lines.
    const following = cli.logsFollow('imagebuilds', 'cli-build');
    setTimeout(() => void builder.cancel('ImageBuild', 'blocker'), 100);
    const { printed, sse } = await following;
    expect(sse).toBe(true);
    const stored: string[] = [];
    for await (const l of builder.logs('ImageBuild', 'cli-build')) stored.push(l);
    expect(printed).toEqual(stored.filter((l) => l !== ''));
    expect(printed.filter((l) => /^Building cli-build step/.test(l))).toHaveLength(40);

    for (;;) {
      const e = JSON.parse((await cli.get('imageexports', 'cli-export')).body);
      if (getReadyReason(e) === 'Completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const exportLog = await cli.logsFollow('imageexports', 'cli-export');
    expect(exportLog.printed.some((l) => /^Converting cli-export step 1$/.test(l))).toBe(true);

    const file = join(dir, 'disk.qcow2');
    expect((await cli.download('cli-export', file))['content-length']).toBe(String(FILE.length));
    expect(readFileSync(file).equals(FILE)).toBe(true);

    expect((await cli.delete('imageexports', 'cli-export')).status).toBe(200);
    expect((await cli.delete('imagebuilds', 'cli-build')).status).toBe(200);
    expect((await cli.get('imagebuilds', 'cli-build')).status).toBe(404);
    for (const name of ['src', 'dst']) expect((await cli.delete('repositories', name)).status).toBe(200);
    // Every answer was JSON, text or SSE as upstream's client expects.
    expect(
      cli.contentTypes.every(([, t]) =>
        /^(application\/json|text\/plain|text\/event-stream|application\/octet-stream)/.test(t),
      ),
    ).toBe(true);
  });
});
