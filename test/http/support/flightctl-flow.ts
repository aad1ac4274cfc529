import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import type { HarnessEnv } from '@imagebuild/testkit';
import type { Flightctl } from './flightctl-emu.js';
import { imageBuild, imageExport } from './fixtures.js';

export interface FlightctlFlow {
  cli: Flightctl;
  env: HarnessEnv;
  /** Where the server listens (what `flightctl login` is given). */
  url: string;
  token: string;
  build: string;
  /** Folder for the downloaded disk. */
  dir: string;
  /** The build's stored log lines, read the server's way, to compare with what `logs -f` printed. */
  storedLog: () => Promise<string[]>;
}

async function waitFinished(cli: Flightctl, kind: 'imagebuilds' | 'imageexports', name: string): Promise<string> {
  const until = Date.now() + 240_000;
  for (;;) {
    const reason = getReadyReason(JSON.parse((await cli.get(kind, name)).body)) ?? '';
    if (isTerminal(reason) || Date.now() > until) return reason;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What a `flightctl` user does against a server, step by step, with the checks of each step:
 * login → apply (Repositories by PUT: 201, then 200 on replace) → get → logs -f (only log lines) →
 * download (digest checked) → delete.
 */
export async function flightctlRoundTrip(f: FlightctlFlow): Promise<void> {
  const { cli, env } = f;
  const exportName = `${f.build}-qcow2`;
  await cli.login(f.url, f.token);
  expect(cli.imageBuilderServer).toBe(`${f.url}/_/imagebuilder`);

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
  expect((await cli.apply(imageBuild(f.build))).status).toBe(201);
  expect((await cli.apply(imageExport(exportName, f.build, 'qcow2'))).status).toBe(201);
  const got = await cli.get('imagebuilds', f.build);
  expect(got.status).toBe(200);
  expect(got.body).not.toContain(env.registryPassword);

  const { printed, sse } = await cli.logsFollow('imagebuilds', f.build);
  expect(await waitFinished(cli, 'imagebuilds', f.build)).toBe('Completed');
  expect(sse).toBe(true); // the build was running: SSE, parsed as flightctl parses it
  expect(printed.length).toBeGreaterThan(0);
  expect(printed).toEqual((await f.storedLog()).filter((l) => l !== ''));
  expect(printed.some((l) => /^(id: |: keep-alive|data: )/.test(l))).toBe(false);
  expect(printed.join('\n')).not.toContain(env.registryPassword);

  expect(await waitFinished(cli, 'imageexports', exportName)).toBe('Completed');
  expect((await cli.logsFollow('imageexports', exportName)).printed.length).toBeGreaterThan(0);

  const file = join(f.dir, 'disk.qcow2');
  const headers = await cli.download(exportName, file);
  expect(statSync(file).size).toBe(Number(headers['content-length']));
  const digest = `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  expect(headers['docker-content-digest']).toBe(digest);
  expect(headers['content-disposition']).toBe(`attachment; filename="${f.build}.qcow2"`);

  expect((await cli.delete('imageexports', exportName)).status).toBe(200);
  expect((await cli.delete('imagebuilds', f.build)).status).toBe(200);
  expect((await cli.get('imagebuilds', f.build)).status).toBe(404);
  for (const name of ['src', 'dst']) expect((await cli.delete('repositories', name)).status).toBe(200);
}
