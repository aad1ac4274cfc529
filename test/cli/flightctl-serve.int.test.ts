/**
 * `imagebuild serve` (the built binary) driven exactly as upstream's `flightctl` drives a server
 * (test/http/support/flightctl-emu.ts: its headers, login's address derivation, PUT for Repositories,
 * its SSE line parser), on the real podman engine and the harness registries: login → apply → get →
 * logs -f (only log lines printed) → download → delete.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { Flightctl } from '../http/support/flightctl-emu.js';
import { flightctlRoundTrip } from '../http/support/flightctl-flow.js';
import { type CliProcess, ensureBuilt, spawnCli, tempDir } from './support/cli.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TOKEN = `serve-flightctl-${run}`;
const BUILD = `fcs-${run}`;
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

describe('upstream flightctl ↔ imagebuild serve ↔ real podman', () => {
  it('login → apply → get → logs -f → download → delete', async () => {
    await flightctlRoundTrip({
      cli,
      env,
      url,
      token: TOKEN,
      build: BUILD,
      dir: tmp.dir,
      // upstream's plain GET of a finished log
      storedLog: async () => {
        const r = await fetch(`${url}/api/v1/imagebuilds/${BUILD}/log`, {
          headers: { Authorization: `Bearer ${TOKEN}` },
        });
        expect(r.status).toBe(200);
        return (await r.text()).split('\n');
      },
    });
  });
});
