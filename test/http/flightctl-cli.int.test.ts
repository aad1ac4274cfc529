/**
 * The adapter driven exactly as upstream's `flightctl` drives a server (support/flightctl-emu.ts),
 * over an ImageBuilder with the REAL podman runner, the harness registries (A: plain source; B: TLS
 * + auth destination) and the bootc-image-builder stand-in: login → apply (Repositories by PUT)
 * → get → logs -f (upstream's SSE parser: only log lines printed) → download → delete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ImageBuilder } from '@imagebuild/builder';
import { createImageBuilderHandler } from '@imagebuild/http';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { Flightctl } from './support/flightctl-emu.js';
import { flightctlRoundTrip } from './support/flightctl-flow.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TOKEN = `flightctl-int-${run}`;
const BUILD = `cli-${run}`;
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

describe('upstream flightctl ↔ adapter ↔ real podman runner', () => {
  it('login → apply → get → logs -f → download → delete', async () => {
    await flightctlRoundTrip({
      cli,
      env,
      url,
      token: TOKEN,
      build: BUILD,
      dir,
      storedLog: async () => {
        const stored: string[] = [];
        for await (const l of builder.logs('ImageBuild', BUILD)) stored.push(l);
        return stored;
      },
    });
  });
});
