/**
 * The adapter driven exactly as upstream's `flightctl` drives a server (support/flightctl-emu.ts),
 * over an ImageBuilder with the REAL podman runner, the harness registries (A: plain source; B: TLS
 * + auth destination) and the bootc-image-builder stand-in: login → apply (Repositories by PUT)
 * → get → logs -f (upstream's SSE parser: only log lines printed) → download → delete.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageBuilder } from '@imagebuild/builder';
import { getReadyReason, isTerminal } from '@imagebuild/core';
import { createImageBuilderHandler } from '@imagebuild/http';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { Flightctl } from './support/flightctl-emu.js';
import { imageBuild, imageExport } from './support/fixtures.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TOKEN = `flightctl-int-${run}`;
const BUILD = `cli-${run}`;
const EXPORT = `${BUILD}-qcow2`;
const dir = mkdtempSync(join(tmpdir(), 'ib-flightctl-int-'));
let builder: ImageBuilder;
let server: Server;
let url: string;
const cli = new Flightctl();

beforeAll(async () => {
  builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: `unix://${env.podmanSocket}` })],
    exportOptions: { converterImage: env.bibImage },
  });
  server = createServer(
    createImageBuilderHandler(builder, {
      auth: (req) => req.headers.authorization === `Bearer ${TOKEN}`,
      strictUpstream: true,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await builder?.delete('ImageBuild', BUILD).catch(() => undefined);
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await builder?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFinished(kind: 'imagebuilds' | 'imageexports', name: string): Promise<string> {
  const until = Date.now() + 240_000;
  for (;;) {
    const reason = getReadyReason(JSON.parse((await cli.get(kind, name)).body)) ?? '';
    if (isTerminal(reason) || Date.now() > until) return reason;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('upstream flightctl ↔ adapter ↔ real podman runner', () => {
  it('login → apply → get → logs -f → download → delete', async () => {
    await cli.login(url, TOKEN);
    expect(cli.imageBuilderServer).toBe(`${url}/_/imagebuilder`);

    const repos = [
      {
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'src' },
        spec: { type: 'oci', registry: env.registryPlain, scheme: 'http', accessMode: 'Read' },
      },
      {
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'dst' },
        spec: {
          type: 'oci',
          registry: env.registryTls,
          scheme: 'https',
          accessMode: 'ReadWrite',
          ociAuth: { authType: 'docker', username: env.registryUser, password: env.registryPassword },
          'ca.crt': readFileSync(env.registryCa).toString('base64'),
        },
      },
    ];
    for (const repo of repos) expect((await cli.apply(repo)).status).toBe(201);
    expect((await cli.apply(repos[1]!)).status).toBe(200);
    expect((await cli.apply(imageBuild(BUILD))).status).toBe(201);
    expect((await cli.apply(imageExport(EXPORT, BUILD, 'qcow2'))).status).toBe(201);
    const got = await cli.get('imagebuilds', BUILD);
    expect(got.status).toBe(200);
    expect(got.body).not.toContain(env.registryPassword);

    const { printed, sse } = await cli.logsFollow('imagebuilds', BUILD);
    expect(await waitFinished('imagebuilds', BUILD)).toBe('Completed');
    const stored: string[] = [];
    for await (const l of builder.logs('ImageBuild', BUILD)) stored.push(l);
    expect(sse).toBe(true); // the build was running: SSE, parsed as flightctl parses it
    expect(printed).toEqual(stored.filter((l) => l !== ''));
    expect(printed.some((l) => /^(id: |: keep-alive|data: )/.test(l))).toBe(false);

    expect(await waitFinished('imageexports', EXPORT)).toBe('Completed');
    const exportLog = await cli.logsFollow('imageexports', EXPORT);
    expect(exportLog.printed.length).toBeGreaterThan(0);

    const file = join(dir, 'disk.qcow2');
    const headers = await cli.download(EXPORT, file);
    expect(statSync(file).size).toBe(Number(headers['content-length']));
    const digest = `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    expect(headers['docker-content-digest']).toBe(digest);
    expect(headers['content-disposition']).toBe(`attachment; filename="${BUILD}.qcow2"`);

    expect((await cli.delete('imageexports', EXPORT)).status).toBe(200);
    expect((await cli.delete('imagebuilds', BUILD)).status).toBe(200);
    expect((await cli.get('imagebuilds', BUILD)).status).toBe(404);
    for (const name of ['src', 'dst']) expect((await cli.delete('repositories', name)).status).toBe(200);
  });
});
