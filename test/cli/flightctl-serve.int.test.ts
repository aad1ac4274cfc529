/**
 * `imagebuild serve` (the built binary) driven exactly as upstream's `flightctl` drives a server
 * (test/http/support/flightctl-emu.ts: its headers, login's address derivation, PUT for Repositories,
 * its SSE line parser), on the real podman engine and the harness registries: login → apply → get →
 * logs -f (only log lines printed) → download → delete.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getReadyReason, isTerminal } from '@imagebuild/core';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { Flightctl } from '../http/support/flightctl-emu.js';
import { imageBuild, imageExport } from '../http/support/fixtures.js';
import { type CliProcess, ensureBuilt, spawnCli, tempDir } from './support/cli.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TOKEN = `serve-flightctl-${run}`;
const BUILD = `fcs-${run}`;
const EXPORT = `${BUILD}-qcow2`;
const tmp = tempDir();
const cli = new Flightctl();
let serve: CliProcess | undefined;
let url = '';

beforeAll(async () => {
  ensureBuilt();
  const tokenFile = join(tmp.dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  serve = spawnCli([
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--state',
    join(tmp.dir, 'state'),
    '--engine',
    `unix://${env.podmanSocket}`,
    '--token-file',
    tokenFile,
    '--converter-image',
    env.bibImage,
    '--strict-upstream',
  ]);
  const out = await serve.waitFor(/serving the image-builder API on (http:\/\/127\.0\.0\.1:\d+)/);
  url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
}, 600_000);

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.done;
  }
  tmp.remove();
});

async function waitFinished(kind: 'imagebuilds' | 'imageexports', name: string): Promise<string> {
  const until = Date.now() + 240_000;
  for (;;) {
    const reason = getReadyReason(JSON.parse((await cli.get(kind, name)).body)) ?? '';
    if (isTerminal(reason) || Date.now() > until) return reason;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('upstream flightctl ↔ imagebuild serve ↔ real podman', () => {
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

    const { printed } = await cli.logsFollow('imagebuilds', BUILD);
    expect(await waitFinished('imagebuilds', BUILD)).toBe('Completed');
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.some((l) => /^(id: |: keep-alive|data: )/.test(l))).toBe(false);
    // what flightctl printed is the stored log (upstream's plain GET of a finished log)
    const stored = await fetch(`${url}/api/v1/imagebuilds/${BUILD}/log`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(stored.status).toBe(200);
    const storedLines = (await stored.text()).split('\n').filter((l) => l !== '');
    expect(printed).toEqual(storedLines);
    expect(printed.join('\n')).not.toContain(env.registryPassword);

    expect(await waitFinished('imageexports', EXPORT)).toBe('Completed');
    expect((await cli.logsFollow('imageexports', EXPORT)).printed.length).toBeGreaterThan(0);

    const file = join(tmp.dir, 'disk.qcow2');
    const headers = await cli.download(EXPORT, file);
    expect(statSync(file).size).toBe(Number(headers['content-length']));
    const digest = `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    expect(headers['docker-content-digest']).toBe(digest);

    expect((await cli.delete('imageexports', EXPORT)).status).toBe(200);
    expect((await cli.delete('imagebuilds', BUILD)).status).toBe(200);
    expect((await cli.get('imagebuilds', BUILD)).status).toBe(404);
    for (const name of ['src', 'dst']) expect((await cli.delete('repositories', name)).status).toBe(200);
  });
});
